/**
 * Active liveness over HTTP: a challenge made with an API key, answered frame
 * by frame with a real clip on a test clock, then the capture blob (version 2)
 * checked by /api/v1/process; replays, stills at active levels and lockout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCaptureBlob, type KeyFrame } from '../src/crypto/capture-blob.js';
import { seededRandom } from '../src/core/random.js';
import { clipTestsSkip, decodeClip, REAL_MOV, respondWithClip, seedFor, type DecodedClip, type FrameAnswer } from './clip-responder.js';
import { datasetBase64, multipart, startTestApp, type TestApp } from './http-harness.js';
import { readImage, DATASETS } from './datasets.js';

describe('active liveness over HTTP', { skip: clipTestsSkip() }, () => {
  let t: TestApp;
  let clock = Date.parse('2026-12-01T10:00:00Z');
  let random = seededRandom(1);
  let clip: DecodedClip;
  const seed = seedFor(['TURN_RIGHT', 'TURN_LEFT']);
  const GROUP_PHOTO = readImage(`${DATASETS}/faceapi-bbt/images/bbt1.jpg`);

  before(async () => {
    t = await startTestApp({}, { challengeClock: () => clock, challengeRandom: () => random() });
    clip = decodeClip(REAL_MOV.path);
  });
  after(() => t.close());

  async function newChallenge(payload: object = {}) {
    random = seededRandom(seed);
    const response = await t.request({ method: 'POST', url: '/api/v1/liveness/challenges', payload });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as { challengeId: string; token: string; nonce: string; stepCount: number; framesUrl: string };
  }

  const sendFrame = (challenge: { framesUrl: string; token: string }) => async (frame: Uint8Array): Promise<FrameAnswer> => {
    const response = await t.request({ method: 'POST', url: challenge.framesUrl, key: null, headers: { authorization: `Bearer ${challenge.token}`, 'content-type': 'image/jpeg' }, payload: Buffer.from(frame) });
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  };

  async function processBlob(blob: Uint8Array, level = 'HIGH') {
    const form = multipart({ file: { data: blob, filename: 'capture.bin', contentType: 'application/octet-stream' }, level });
    return t.request({ method: 'POST', url: '/api/v1/process', ...form });
  }

  let answered: { challenge: { challengeId: string; nonce: string }; keyFrames: KeyFrame[]; frontal: Uint8Array } | null = null;

  test('a real head that follows the prompts passes HIGH actively; the steps stay secret until prompted', async () => {
    const challenge = await newChallenge();
    assert.equal(challenge.stepCount, 2);
    assert.equal(JSON.stringify(challenge).includes('TURN_'), false);
    const response = await respondWithClip(clip, REAL_MOV, sendFrame(challenge), () => (clock += 100));
    assert.equal(response.last.challenge.phase, 'PASSED', JSON.stringify(response.last.challenge));
    assert.deepEqual(response.phases.filter((p) => p === 'STEP').length, 2);
    assert.deepEqual(response.keyFrames.map((k) => k.step), ['TURN_RIGHT', 'TURN_LEFT']);
    answered = { challenge, keyFrames: response.keyFrames, frontal: response.frontal };
    const blob = await createCaptureBlob(response.frontal, 'image/jpeg', t.deps.keys.publicKeyPem, { challenge: { id: challenge.challengeId, nonce: challenge.nonce }, keyFrames: response.keyFrames });
    const processed = await processBlob(blob);
    assert.equal(processed.statusCode, 200, processed.body);
    const liveness = processed.json().data.liveness;
    assert.equal(liveness.method, 'ACTIVE');
    assert.equal(liveness.live, true, liveness.message);
    assert.equal(liveness.as_highest_security_level_reached, 'BALANCED_VERY_HIGH');
    for (const check of ['fresh', 'sequence', 'identity', 'depth']) assert.equal(liveness.checks[check].passed, true, check);
    const residuals = liveness.checks.depth.turns.map((turn: { residual: number }) => turn.residual);
    assert.ok(Math.min(...residuals) > 0.05 && Math.max(...residuals) > 0.3, `a real head moves far off a plane: ${residuals}`);

    const replay = await processBlob(blob);
    assert.equal(replay.statusCode, 400);
    assert.equal(replay.json().liveness.reason, 'fresh', 'a blob, and its challenge, count once');
  });

  test('key frames must be the frames that completed the steps, and show the captured face', async () => {
    assert.ok(answered, 'needs the first test');
    const challenge = await newChallenge();
    const response = await respondWithClip(clip, REAL_MOV, sendFrame(challenge), () => (clock += 100));
    assert.equal(response.last.challenge.phase, 'PASSED');
    const swapped = response.keyFrames.map((k) => ({ ...k, image: response.frontal }));
    const blob = await createCaptureBlob(response.frontal, 'image/jpeg', t.deps.keys.publicKeyPem, { challenge: { id: challenge.challengeId, nonce: challenge.nonce }, keyFrames: swapped });
    const processed = await processBlob(blob);
    assert.equal(processed.statusCode, 400);
    assert.equal(processed.json().liveness.reason, 'sequence');
    assert.match(processed.json().liveness.message, /does not show the head doing TURN_RIGHT/);
  });

  test('a capture with another person\'s frontal face fails identity', async () => {
    const challenge = await newChallenge();
    const response = await respondWithClip(clip, REAL_MOV, sendFrame(challenge), () => (clock += 100));
    const stranger = readImage(`${DATASETS}/lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg`);
    const blob = await createCaptureBlob(stranger, 'image/jpeg', t.deps.keys.publicKeyPem, { challenge: { id: challenge.challengeId, nonce: challenge.nonce }, keyFrames: response.keyFrames });
    const processed = await processBlob(blob, 'MODERATE');
    assert.equal(processed.statusCode, 400);
    assert.equal(processed.json().liveness.reason, 'identity');
  });

  test('a still or a version 1 blob cannot reach an active level; /face/as stays passive and says so', async () => {
    const v1 = await createCaptureBlob(readImage(`${DATASETS}/lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg`), 'image/jpeg', t.deps.keys.publicKeyPem);
    const high = await processBlob(v1, 'HIGH');
    assert.equal(high.statusCode, 400);
    assert.equal(high.json().liveness.reason, 'active_required');
    const faceAs = await t.request({ method: 'POST', url: '/api/v1/face/as', payload: { image: datasetBase64('lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg'), threshold: 'HIGH' } });
    assert.equal(faceAs.statusCode, 200);
    assert.equal(faceAs.json().is_spoof, true);
    assert.equal(faceAs.json().liveness.method, 'PASSIVE');
    assert.equal(faceAs.json().liveness.reason, 'active_required');
    const reached = faceAs.json().as_highest_security_level_reached;
    assert.ok(reached === null || ['LOW', 'MEDIUM', 'MODERATE'].includes(reached), `passive reaches at most MODERATE, got ${reached}`);
  });

  test('a challenge token opens only its own challenge; an expired one takes no frames', async () => {
    const challenge = await newChallenge();
    const wrong = await t.request({ method: 'POST', url: challenge.framesUrl, key: null, headers: { authorization: 'Bearer nope', 'content-type': 'image/jpeg' }, payload: Buffer.from(clip.small[0]) });
    assert.equal(wrong.statusCode, 404);
    const missing = await t.request({ method: 'POST', url: challenge.framesUrl, key: null, headers: { 'content-type': 'image/jpeg' }, payload: Buffer.from(clip.small[0]) });
    assert.equal(missing.statusCode, 401);
    clock += 91_000;
    const late = await t.request({ method: 'POST', url: challenge.framesUrl, key: null, headers: { authorization: `Bearer ${challenge.token}`, 'content-type': 'image/jpeg' }, payload: Buffer.from(clip.small[0]) });
    assert.equal(late.json().feedbackCode, 'ERROR_REQUEST_EXPIRED');
  });

  test('after five failed attempts for one subject within three minutes the sixth is refused until the window passes', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const challenge = await newChallenge({ subject: 'customer-17' });
      const answer = await sendFrame(challenge)(GROUP_PHOTO);
      assert.equal(answer.challenge.phase, 'FAILED');
      assert.equal(answer.challenge.failure?.check, 'identity');
      clock += 10_000;
    }
    const locked = await t.request({ method: 'POST', url: '/api/v1/liveness/challenges', payload: { subject: 'customer-17' } });
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.json().feedbackCode, 'ERROR_TOO_MANY_ATTEMPTS');
    assert.equal(locked.headers['retry-after'], String(locked.json().details.retryAfterSeconds));
    assert.equal((await t.request({ method: 'POST', url: '/api/v1/liveness/challenges', payload: { subject: 'customer-18' } })).statusCode, 201, 'other subjects are not locked');
    clock += 180_000;
    assert.equal((await t.request({ method: 'POST', url: '/api/v1/liveness/challenges', payload: { subject: 'customer-17' } })).statusCode, 201);
    const log = await t.deps.store.listTransactions({ userId: 'api:customer-17' });
    assert.equal(log.filter((row) => row.result === 'LIVENESS_IDENTITY').length, 5, 'every failed attempt and its check is in the transaction log');
  });

  test('a wrong nonce uses the challenge up and counts as a failed attempt; a new challenge ends the open one', async () => {
    const first = await newChallenge({ subject: 'customer-30' });
    const second = await newChallenge({ subject: 'customer-30' });
    const late = await t.request({ method: 'POST', url: first.framesUrl, key: null, headers: { authorization: `Bearer ${first.token}`, 'content-type': 'image/jpeg' }, payload: Buffer.from(clip.small[0]) });
    assert.equal(late.statusCode, 404, 'one open attempt per subject: the first was ended by the second');
    const forged = await createCaptureBlob(clip.full[REAL_MOV.frontal], 'image/jpeg', t.deps.keys.publicKeyPem, { challenge: { id: second.challengeId, nonce: 'guessed' }, keyFrames: [] });
    const processed = await processBlob(forged);
    assert.equal(processed.json().liveness.reason, 'fresh');
    const again = await processBlob(await createCaptureBlob(clip.full[REAL_MOV.frontal], 'image/jpeg', t.deps.keys.publicKeyPem, { challenge: { id: second.challengeId, nonce: second.nonce }, keyFrames: [] }));
    assert.match(again.json().liveness.message, /unknown here, already used, or expired/);
    const log = await t.deps.store.listTransactions({ userId: 'api:customer-30' });
    assert.deepEqual(log.map((row) => row.result).sort(), ['LIVENESS_ABANDONED', 'LIVENESS_FRESH']);
  });

  test('the level in a capture\'s own metadata can raise the server default, never lower it', async () => {
    const still = (asThreshold: string) => createCaptureBlob(clip.full[REAL_MOV.frontal], 'image/jpeg', t.deps.keys.publicKeyPem, { metadata: { asThreshold } });
    const form = async (asThreshold: string) => multipart({ file: { data: await still(asThreshold), filename: 'c', contentType: 'application/octet-stream' } });
    const lowered = await t.request({ method: 'POST', url: '/api/v1/process', ...(await form('LOW')) });
    assert.equal(lowered.json().data?.liveness?.level ?? lowered.json().liveness.level, 'MODERATE');
    const raised = await t.request({ method: 'POST', url: '/api/v1/process', ...(await form('HIGH')) });
    assert.equal(raised.json().liveness.level, 'HIGH');
  });
});
