/**
 * Active liveness on the hosted capture page, end to end in real Chromium
 * against the real server: a recorded person turning their head answers a
 * seeded challenge and completes a spec 004 session; a printed photo tilted
 * in front of the camera fails it; the blob of the good capture is refused by
 * another session; failed attempts lock the session out; and the step prompt
 * is shown (and saved as screenshots) at desktop and phone sizes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import sharp from 'sharp';
import { INSTALL_ROOT } from '../../src/config.js';
import { openCaptureBlob } from '../../src/crypto/capture-blob.js';
import { planChallenge, type ChallengeStep } from '../../src/core/active-liveness/challenge.js';
import { stepCountFor } from '../../src/core/active-liveness/levels.js';
import { seededRandom } from '../../src/core/random.js';
import { DEFAULT_CHALLENGE_SETTINGS } from '../../src/services/liveness-challenges.js';
import { DATASETS } from '../datasets.js';
import { startTestApp, type TestApp } from '../http-harness.js';
import { simulateCardAttack } from '../simulated-attacks.js';
import { generateHmac } from '../spec-hmac.js';
import { browserTestsSkip, extractFrame, launchChromium, makeFakeCameraClip, makeFakeCameraFrames, requireBrowserTools } from './chromium.js';

const PERSON_CLIP = join(DATASETS, 'liveness-clips/KwaiVGI_LivePortrait/assets/examples/driving/d12.mp4');
const GROUP_PHOTO = join(DATASETS, 'faceapi-bbt/images/bbt1.jpg');
const ARTIFACTS = join(INSTALL_ROOT, 'test-artifacts');
const LEVEL = 'HIGH';
const TIMEOUT_MS = 60_000;

/**
 * The first seed whose challenge asks for [TURN_RIGHT, TURN_LEFT] with a first
 * prompt after the clip's early turn to his left (~1.3-1.9 s after the camera
 * opens), which would fail the challenge as a turn the wrong way; he then turns
 * to his right at ~3.1-3.6 s and to his left at ~6.5-6.9 s.
 */
function seedFor(steps: readonly ChallengeStep[]): number {
  const { minPromptDelayMs, maxPromptDelayMs } = DEFAULT_CHALLENGE_SETTINGS;
  for (let seed = 1; seed < 10_000; seed++) {
    const plan = planChallenge(seededRandom(seed), { stepCount: stepCountFor(LEVEL), minPromptDelayMs, maxPromptDelayMs });
    if (plan.steps.join() === steps.join() && plan.promptDelaysMs[0] >= 1000) return seed;
  }
  throw new Error(`no seed below 10000 plans ${steps.join(', ')}`);
}

interface ChallengeBlock {
  id: string;
  phase: string;
  prompt: string | null;
  keyFrame: { step: string; seq: number } | null;
  failure: { message: string } | null;
}

interface CaptureRun {
  page: Page;
  /** The challenge blocks of the frames answers, in order. */
  challenges: ChallengeBlock[];
}

describe('active liveness on the hosted capture page in Chromium', { skip: browserTestsSkip() }, () => {
  let t: TestApp;
  let base: string;
  let client: { client: string; secret: string };
  let person: Browser;
  let work: string;
  /** Replaced before each challenge a test needs to be predictable. */
  let draw = seededRandom(1);
  /** What the page POSTed to /submit in the completed session, for the replay. */
  let submitted: Buffer | null = null;
  let sessions = 0;

  before(async () => {
    requireBrowserTools();
    mkdirSync(ARTIFACTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'facegate-active-'));
    [t, person] = await Promise.all([
      startTestApp({ FACEGATE_CAPTURE_LIVENESS_LEVEL: LEVEL }, { challengeRandom: () => draw() }),
      launchChromium(makeFakeCameraClip(PERSON_CLIP)),
    ]);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    assert.equal((await t.request({ method: 'POST', url: '/admin/v1/galleries', payload: { name: 'members', livenessLevel: 'LOW' } })).statusCode, 200);
    const frontal = readFileSync(extractFrame(PERSON_CLIP, 0.5, join(work, 'frontal.jpg'))).toString('base64');
    const enrolled = await t.request({ method: 'POST', url: '/backoffice/v1/enroll', payload: { gallery: 'members', userId: 'person', image: frontal } });
    assert.equal(enrolled.statusCode, 200, enrolled.body);
    client = (await t.request({ method: 'POST', url: '/admin/v1/clients', payload: { name: 'bank', gallery: 'members' } })).json();
  });

  after(async () => {
    await person?.close();
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function signedFetch(method: 'GET' | 'POST', path: string, body = ''): Promise<Response> {
    const type = body ? 'application/json' : '';
    const headers = { 'x-auth-client': client.client, 'x-hmac-signature': generateHmac(method, `${base}${path}`, body, type, client.client, client.secret), ...(type ? { 'content-type': type } : {}) };
    return fetch(`${base}${path}`, { method, headers, ...(body ? { body } : {}) });
  }

  async function newSession(): Promise<{ sessionId: string; url: string; token: string }> {
    // A signature is single use: the timestamp makes each body, so each signature, new.
    const created = await signedFetch('POST', '/api/v1/session', JSON.stringify({ country: 'US', uniqueIdentifier: 'person', timestamp: Date.now() + sessions++ }));
    assert.equal(created.status, 200, await created.clone().text());
    const { sessionId, url } = ((await created.json()) as { data: { sessionId: string; url: string } }).data;
    return { sessionId, url, token: new URL(url).pathname.split('/')[2] };
  }

  async function sessionData(sessionId: string) {
    const response = await signedFetch('GET', `/api/v1/session/${sessionId}`);
    return ((await response.json()) as { data: { state: string; result: { liveness: { method: string; live: boolean; level: string }; match: { possibleMatch: boolean } } | null } }).data;
  }

  /** Opens a capture link and starts the camera; `onSubmit` gets the bytes the page POSTs to /submit. */
  async function startCapture(browser: Browser, url: string, options: BrowserContextOptions, onSubmit?: (blob: Buffer | null) => void): Promise<CaptureRun> {
    const page = await browser.newPage(options);
    const challenges: ChallengeBlock[] = [];
    page.on('response', (response) => {
      if (!response.url().endsWith('/frames') || !response.ok()) return;
      response.json().then((body: { challenge: ChallengeBlock }) => challenges.push(body.challenge), () => undefined);
    });
    // Routed, because Chromium does not report a blob body to the plain request event.
    if (onSubmit) {
      await page.route('**/submit', async (route) => {
        onSubmit(route.request().postDataBuffer());
        await route.continue();
      });
    }
    await page.goto(url);
    await page.getByRole('button', { name: 'Start camera' }).click();
    return { page, challenges };
  }

  const outcome = (page: Page) => page.waitForSelector('#status[data-tone="success"], #status[data-tone="error"]', { timeout: TIMEOUT_MS });
  const phases = (challenges: ChallengeBlock[]) => [...new Set(challenges.map((c) => `${c.phase}${c.prompt ? `:${c.prompt}` : ''}`))].join(' → ');

  it('a person who turns as asked completes a spec 004 session with ACTIVE liveness', async () => {
    const { sessionId, url } = await newSession();
    draw = seededRandom(seedFor(['TURN_RIGHT', 'TURN_LEFT']));
    const { page, challenges } = await startCapture(person, url, { viewport: { width: 390, height: 844 } }, (blob) => (submitted = blob));
    try {
      await outcome(page);
      const told = (await page.textContent('#status')) ?? '';
      await page.screenshot({ path: join(ARTIFACTS, 'capture-active-done.png') });
      assert.match(told, /verified/, `the page said "${told}" after ${phases(challenges)}`);
    } finally {
      await page.close();
    }

    // The blob answers the challenge, with the full-resolution frame of each answer that completed a step.
    assert.ok(submitted, 'the page submitted a blob');
    const opened = openCaptureBlob(submitted, t.deps.keys, { maxAgeMs: TIMEOUT_MS * 2 });
    assert.equal(opened.challenge?.id, challenges[0].id);
    const named = challenges.flatMap((c) => (c.keyFrame ? [c.keyFrame] : []));
    assert.deepEqual(opened.keyFrames.map(({ step, seq }) => ({ step, seq })), named);
    assert.deepEqual(named.map((k) => k.step), ['TURN_RIGHT', 'TURN_LEFT']);
    const [keyWidth, captureWidth] = [sharpWidth(opened.keyFrames[0].image), sharpWidth(opened.image)];
    assert.deepEqual(await Promise.all([keyWidth, captureWidth]), [640, 640], 'key frames and the capture are full resolution');

    const data = await sessionData(sessionId);
    assert.equal(data.state, 'completed');
    assert.deepEqual({ method: data.result?.liveness.method, live: data.result?.liveness.live, level: data.result?.liveness.level }, { method: 'ACTIVE', live: true, level: LEVEL });
    assert.equal(data.result?.match.possibleMatch, true);
  });

  it("the completed capture's blob is refused by another session", async () => {
    assert.ok(submitted, 'the previous test captured the blob the page submitted');
    const { token } = await newSession();
    const replayed = await t.request({ method: 'POST', url: `/capture/${token}/submit`, key: null, headers: { 'content-type': 'application/octet-stream' }, payload: submitted });
    assert.equal(replayed.statusCode, 200, replayed.body);
    const answer = replayed.json() as { status: string; message: string };
    // 'retry' with the message for a failed freshness check: the challenge was used up by the first capture.
    assert.equal(answer.status, 'retry', JSON.stringify(answer));
    assert.match(answer.message, /already used/);
  });

  it('a printed photo tilted in front of the camera fails the challenge and never completes', async (tc) => {
    const still = extractFrame(PERSON_CLIP, 0.5, join(work, 'still.jpg'));
    const frames = join(work, 'card');
    const clip = await simulateCardAttack(still, 'tilt-left-right', frames, { durationS: 12 });
    const attack = await launchChromium(makeFakeCameraFrames(frames, clip.fps));
    const { sessionId, url } = await newSession();
    draw = seededRandom(seedFor(['TURN_RIGHT', 'TURN_LEFT']));
    const { page, challenges } = await startCapture(attack, url, { viewport: { width: 1280, height: 800 } });
    try {
      await outcome(page);
      assert.equal(await page.textContent('#status'), 'We could not confirm the head movements. Please try again.', phases(challenges));
      assert.equal(await page.getByRole('button', { name: 'Try again' }).isVisible(), true);
    } finally {
      await page.close();
      await attack.close();
    }
    assert.ok(challenges.some((c) => c.phase === 'STEP'), `the card was prompted: ${phases(challenges)}`);
    const last = challenges.at(-1);
    assert.equal(last?.phase, 'FAILED', phases(challenges));
    tc.diagnostic(`the server failed it: ${last?.failure?.message}`);
    assert.notEqual((await sessionData(sessionId)).state, 'completed');
  });

  it('five failed attempts lock the session: the sixth challenge is refused and the page says how long to wait', async () => {
    const { url, token } = await newSession();
    const group = readFileSync(GROUP_PHOTO);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const issued = await t.request({ method: 'POST', url: `/capture/${token}/challenge`, key: null });
      assert.equal(issued.statusCode, 201, `attempt ${attempt}: ${issued.body}`);
      const { framesUrl, token: bearer } = issued.json() as { framesUrl: string; token: string };
      const frame = await t.request({ method: 'POST', url: framesUrl, key: null, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'image/jpeg' }, payload: group });
      assert.equal(frame.statusCode, 200, frame.body);
      assert.equal(frame.json().challenge.phase, 'FAILED', `a group photo fails attempt ${attempt}`);
    }
    const refused = await t.request({ method: 'POST', url: `/capture/${token}/challenge`, key: null });
    assert.equal(refused.statusCode, 429, refused.body);
    const body = refused.json() as { code: number; feedbackCode: string; details: { retryAfterSeconds: number } };
    assert.deepEqual({ code: body.code, feedbackCode: body.feedbackCode }, { code: 722, feedbackCode: 'ERROR_TOO_MANY_ATTEMPTS' });
    assert.ok(body.details.retryAfterSeconds > 0 && body.details.retryAfterSeconds <= 180);
    assert.equal(refused.headers['retry-after'], String(body.details.retryAfterSeconds));

    const { page } = await startCapture(person, url, { viewport: { width: 390, height: 844 } });
    try {
      await outcome(page);
      assert.match((await page.textContent('#status')) ?? '', /^Too many attempts\. Please wait (\d+ minutes?)? ?(\d+ seconds?)? before trying again\.$/);
      assert.equal(await page.isHidden('#camera'), true, 'the camera was not opened');
      assert.equal(await page.getByRole('button', { name: 'Try again' }).isVisible(), true);
    } finally {
      await page.close();
    }
  });

  it('shows the step prompt and its arrow (animated unless reduced motion is asked for) at desktop and phone sizes', async () => {
    const sizes = [
      { name: 'desktop', viewport: { width: 1280, height: 800 }, reducedMotion: 'no-preference', animation: 'fg-nudge' },
      { name: 'phone', viewport: { width: 390, height: 844 }, reducedMotion: 'reduce', animation: 'none' },
    ] as const;
    for (const { name, viewport, reducedMotion, animation } of sizes) {
      const { url } = await newSession();
      draw = seededRandom(seedFor(['TURN_RIGHT', 'TURN_LEFT']));
      const { page } = await startCapture(person, url, { viewport, reducedMotion });
      try {
        // The preview is mirrored, so the person's right is the screen's right.
        const arrow = page.locator('[data-fg="arrow"][data-direction="right"]');
        await arrow.waitFor({ state: 'visible', timeout: TIMEOUT_MS });
        assert.equal(await page.getByRole('status').filter({ hasText: 'Slowly turn your head to your right' }).count(), 1);
        assert.equal(await arrow.getAttribute('aria-hidden'), 'true');
        assert.equal(await arrow.evaluate((el) => getComputedStyle(el).animationName), animation);
        const [box, view] = await Promise.all([arrow.boundingBox(), page.locator('[data-fg="view"]').boundingBox()]);
        const centre = box ? box.x + box.width / 2 : 0;
        assert.ok(view && centre > view.x + view.width / 2 && centre < view.x + view.width, `the arrow is in the right half of the view: ${JSON.stringify({ box, view })}`);
        await page.screenshot({ path: join(ARTIFACTS, `capture-active-prompt-${name}.png`) });
      } finally {
        await page.close();
      }
    }
  });
});

const sharpWidth = async (jpeg: Uint8Array): Promise<number | undefined> => (await sharp(jpeg).metadata()).width;
