/**
 * Active liveness in the workflows at their default, HIGH: a dossier process
 * captured on its page and verified later, a facemap authentication on its page,
 * and an SDK enrollment into a gallery that asks for HIGH. A real clip answers
 * each seeded challenge on a test clock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCaptureBlob } from '../src/crypto/capture-blob.js';
import { seededRandom } from '../src/core/random.js';
import { clipTestsSkip, decodeClip, REAL_MOV, respondWithClip, seedFor, type DecodedClip, type FrameAnswer } from './clip-responder.js';
import { multipart, startTestApp, type TestApp } from './http-harness.js';

describe('active liveness over HTTP', { skip: clipTestsSkip() }, () => {
  let t: TestApp;
  let clip: DecodedClip;
  let clock = Date.parse('2026-12-01T10:00:00Z');
  const seed = seedFor(['TURN_RIGHT', 'TURN_LEFT']);
  let random = seededRandom(seed);
  let basic: string;

  before(async () => {
    t = await startTestApp({}, { challengeClock: () => clock, challengeRandom: () => random() });
    clip = decodeClip(REAL_MOV.path);
    const client = (await t.request({ method: 'POST', url: '/admin/v1/clients', payload: { name: 'bank' } })).json();
    basic = `Basic ${Buffer.from(`${client.client}:${client.secret}`).toString('base64')}`;
  });
  after(() => t.close());

  type Issued = { challengeId: string; token: string; nonce: string; framesUrl: string };

  /** Answers the challenge with the clip and returns the version 2 blob the SDK would send. */
  async function answer(challenge: Issued): Promise<Uint8Array> {
    const send = async (frame: Uint8Array): Promise<FrameAnswer> =>
      (await t.request({ method: 'POST', url: challenge.framesUrl, key: null, headers: { authorization: `Bearer ${challenge.token}`, 'content-type': 'image/jpeg' }, payload: Buffer.from(frame) })).json();
    const response = await respondWithClip(clip, REAL_MOV, send, () => (clock += 100));
    assert.equal(response.last.challenge.phase, 'PASSED', JSON.stringify(response.last.challenge));
    return createCaptureBlob(response.frontal, 'image/jpeg', t.deps.keys.publicKeyPem, { challenge: { id: challenge.challengeId, nonce: challenge.nonce }, keyFrames: response.keyFrames });
  }

  const dossierCall = (method: 'POST' | 'PUT', url: string, payload?: object) => t.request({ method, url, payload, key: null, headers: { authorization: basic } });
  const submit = (token: string, blob: Uint8Array) =>
    t.request({ method: 'POST', url: `/capture/${token}/submit`, key: null, payload: Buffer.from(blob), headers: { 'content-type': 'application/octet-stream' } });

  async function newProcess() {
    const dossier = (await dossierCall('POST', '/api/v1/dossiers', { metadata: {} })).json();
    const process = (await dossierCall('POST', `/api/v1/dossiers/${dossier.dossierId}/processes`, { provider: 'facegate' })).json();
    return { token: new URL(process.captureUrl).pathname.split('/').pop()!, base: `/api/v1/dossiers/${dossier.dossierId}/processes/${process.processId}` };
  }

  test('a dossier process captured on its page with a passed challenge is verified with that active outcome', async () => {
    const p = await newProcess();
    assert.equal((await dossierCall('PUT', `${p.base}/image`, { image: Buffer.from(clip.full[REAL_MOV.frontal - 2]).toString('base64') })).statusCode, 200);
    random = seededRandom(seed);
    const challenge = await t.request({ method: 'POST', url: `/capture/${p.token}/challenge`, key: null });
    assert.equal(challenge.statusCode, 201, challenge.body);
    const captured = await submit(p.token, await answer(challenge.json()));
    assert.equal(captured.json().status, 'completed', captured.body);
    const verified = (await dossierCall('POST', `${p.base}/verify`)).json();
    assert.equal(verified.status, 'accepted', JSON.stringify(verified.result?.liveness?.message));
    assert.equal(verified.result.liveness.method, 'ACTIVE');
    assert.equal(verified.result.liveness.live, true);
  });

  test('the hosted page at HIGH answers a still capture with retry and the reason in plain words', async () => {
    const p = await newProcess();
    const still = await createCaptureBlob(clip.full[REAL_MOV.frontal], 'image/jpeg', t.deps.keys.publicKeyPem);
    const outcome = (await submit(p.token, still)).json();
    assert.equal(outcome.status, 'retry');
    assert.match(outcome.message, /guided head movements/);
  });

  test('an SDK enrollment into a HIGH gallery needs a passed challenge; a still is refused with the reason', async () => {
    assert.equal((await t.request({ method: 'POST', url: '/admin/v1/galleries', payload: { name: 'vault', livenessLevel: 'HIGH' } })).statusCode, 200);
    const still = await createCaptureBlob(clip.full[REAL_MOV.frontal], 'image/jpeg', t.deps.keys.publicKeyPem);
    const refused = await t.request({ method: 'POST', url: '/sdk/v1/enroll', payload: { gallery: 'vault', userId: 'man', image: Buffer.from(still).toString('base64') } });
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.json().feedbackCode, 'ERROR_LIVENESS_FAILED');
    assert.equal(refused.json().details.reason, 'active_required');

    random = seededRandom(seed);
    const challenge = (await t.request({ method: 'POST', url: '/api/v1/liveness/challenges', payload: { level: 'HIGH', subject: 'man' } })).json();
    const blob = await answer(challenge);
    const enrolled = await t.request({ method: 'POST', url: '/sdk/v1/enroll', payload: { gallery: 'vault', userId: 'man', image: Buffer.from(blob).toString('base64') } });
    assert.equal(enrolled.statusCode, 200, enrolled.json().message);
    assert.equal(enrolled.json().liveness.method, 'ACTIVE');
    assert.equal(enrolled.json().liveness.as_highest_security_level_reached, 'BALANCED_VERY_HIGH');
  });

  test('a facemap authentication passes on its capture page with a passed challenge', async () => {
    assert.equal((await t.request({ method: 'POST', url: '/admin/v1/galleries', payload: { name: 'accounts', livenessLevel: 'LOW' } })).statusCode, 200);
    const photo = Buffer.from(clip.full[REAL_MOV.frontal - 4]).toString('base64');
    assert.equal((await t.request({ method: 'POST', url: '/backoffice/v1/enroll', payload: { gallery: 'accounts', userId: 'man', image: photo } })).statusCode, 200);
    const exported = (await t.request({ method: 'GET', url: '/backoffice/v1/facemap?gallery=accounts&userId=man' })).json();
    const form = multipart({
      facemap: { data: Buffer.from(exported.facemap, 'base64'), filename: 'facemap.bin', contentType: 'application/octet-stream' },
      enrollmentMetadata: JSON.stringify({ enrollmentMetadata: { enrollmentTransactionReference: exported.enrollmentTransactionReference, userReference: 'u-1' } }),
    });
    const initiated = (await t.request({ method: 'POST', url: '/api/authentication/v1/facemap/initiate', key: null, payload: form.payload, headers: { ...form.headers, authorization: basic } })).json();
    const token = new URL(initiated.redirectUrl).pathname.split('/').pop()!;
    random = seededRandom(seed);
    const challenge = await t.request({ method: 'POST', url: `/capture/${token}/challenge`, key: null });
    const outcome = (await submit(token, await answer(challenge.json()))).json();
    assert.equal(outcome.status, 'completed', outcome.message);
    const state = (await t.request({ method: 'GET', url: `/api/authentication/v1/facemap/${initiated.authenticationTransactionReference}`, key: null, headers: { authorization: basic } })).json();
    assert.equal(state.state, 'PASSED');
    assert.equal(state.result.liveness.method, 'ACTIVE');
  });

  test('a capture that arrives after its challenge expired fails freshness', async () => {
    random = seededRandom(seed);
    const challenge = (await t.request({ method: 'POST', url: '/api/v1/liveness/challenges', payload: {} })).json();
    const blob = await answer(challenge);
    clock += 90_001;
    const form = multipart({ file: { data: blob, filename: 'c', contentType: 'application/octet-stream' }, level: 'HIGH' });
    const processed = await t.request({ method: 'POST', url: '/api/v1/process', ...form });
    assert.equal(processed.statusCode, 400);
    assert.equal(processed.json().liveness.reason, 'fresh');
    assert.match(processed.json().liveness.message, /expired/);
  });
});
