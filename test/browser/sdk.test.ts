/**
 * The capture SDK end to end in headless Chromium: a fake camera plays a real
 * face, the SDK is guided by the engine through the guidance endpoint, and
 * the encrypted blob it returns is accepted by /api/v1/process. Then the same
 * through the hosted capture page on a phone-sized screen.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { INSTALL_ROOT } from '../../src/config.js';
import { looksLikeCaptureBlob, openCaptureBlob } from '../../src/crypto/capture-blob.js';
import { DATASETS } from '../datasets.js';
import { startTestApp, type TestApp } from '../http-harness.js';
import { browserTestsSkip, launchChromium, makeFakeCameraVideo, requireBrowserTools } from './chromium.js';
import { startBrowserTestServer, SUBMIT_COMPLETED_MESSAGE, SUBMIT_REDIRECT_URL, SUBMIT_RETAKE_MESSAGE, type BrowserTestServer } from './test-server.js';

const FACE_IMAGE = join(DATASETS, 'lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg');
const ARTIFACTS = join(INSTALL_ROOT, 'test-artifacts');
const CAPTURE_TIMEOUT_MS = 60_000;

/** What fixtures/sdk-test.html writes into #result. */
interface FixtureResult {
  feedback: string[];
  timings: Record<string, number>;
  quality?: { guided: boolean; guidanceFrames: number; captureMs: number };
  blobBase64?: string;
  processStatus?: number;
  process?: { code: number; message: string; data?: { templates?: Record<string, string> } };
  error?: { name: string; code?: number; message: string; detail: string };
}

describe('capture SDK in Chromium', { skip: browserTestsSkip() }, () => {
  let app: TestApp;
  let server: BrowserTestServer;
  let browser: Browser;
  const consoleLines: string[] = [];

  before(async () => {
    requireBrowserTools();
    mkdirSync(ARTIFACTS, { recursive: true });
    [app, browser] = await Promise.all([startTestApp(), launchChromium(makeFakeCameraVideo(FACE_IMAGE))]);
    server = await startBrowserTestServer(app);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
  });

  /** Runs fixtures/sdk-test.html; `during` acts on the page while it captures. */
  async function runFixture(query: string, during?: (page: Page) => Promise<void>): Promise<FixtureResult> {
    const page = await openPage(`/fixtures/sdk-test.html?${query}`, { width: 800, height: 600 });
    await during?.(page);
    await page.waitForSelector('#result[data-done]', { state: 'attached', timeout: CAPTURE_TIMEOUT_MS });
    assert.equal(await page.locator('video').count(), 0, 'the capture screen is gone once capture() settles');
    const result = JSON.parse((await page.textContent('#result')) ?? '{}') as FixtureResult;
    await page.close();
    return result;
  }

  async function openPage(path: string, viewport: { width: number; height: number }, mobile = false): Promise<Page> {
    const page = await browser.newPage({ viewport, isMobile: mobile, hasTouch: mobile });
    page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (err) => consoleLines.push(`pageerror: ${err.message}`));
    await page.goto(`${server.url}${path}`);
    return page;
  }

  it('captures with server guidance, and /api/v1/process accepts the blob', async (t) => {
    const started = Date.now();
    const page = await openPage(`/fixtures/sdk-test.html?guidance=/test/guidance&key=${app.adminKey}`, { width: 800, height: 600 });
    // Mid-guidance: the first verdict is on screen and the hold has just begun.
    await page.waitForSelector('body[data-feedback]', { state: 'attached', timeout: CAPTURE_TIMEOUT_MS });
    await page.screenshot({ path: join(ARTIFACTS, 'capture-sdk.png') });
    await page.waitForSelector('#result[data-done]', { state: 'attached', timeout: CAPTURE_TIMEOUT_MS });
    const result = JSON.parse((await page.textContent('#result')) ?? '{}') as FixtureResult;
    await page.close();
    assert.equal(result.error, undefined, `${JSON.stringify(result.error)}\n${consoleLines.join('\n')}`);

    assert.ok(result.feedback.includes('FEEDBACK_OK'), `guidance said ${result.feedback.join(', ')}`);
    assert.ok(!result.feedback.includes('FEEDBACK_PLEASE_HOLD'), 'the SDK fell back to unguided capture');
    assert.equal(result.quality?.guided, true);

    const blob = Buffer.from(result.blobBase64 ?? '', 'base64');
    assert.equal(blob.subarray(0, 5).toString('hex'), '4647434201', 'FGCB magic and version 1');
    assert.ok(looksLikeCaptureBlob(blob));
    const opened = openCaptureBlob(blob, app.deps.keys);
    assert.equal(opened.mime, 'image/jpeg');
    assert.ok(Math.abs(opened.capturedAt - Date.now()) < CAPTURE_TIMEOUT_MS, `capturedAt ${opened.capturedAt} is server-aligned`);
    assert.equal(opened.metadata.asThreshold, 'LOW');
    assert.equal(opened.metadata.sdk, 'facegate-capture');

    assert.equal(result.processStatus, 200, JSON.stringify(result.process));
    assert.equal(result.process?.message, 'FEEDBACK_CAPTURED');
    assert.ok(result.process?.data?.templates?.FACEGATE_TEMPLATE, 'a FACEGATE_TEMPLATE came back');

    t.diagnostic(`timings ms: ${JSON.stringify({ ...result.timings, guidance: result.quality?.captureMs, guidanceFrames: result.quality?.guidanceFrames, total: Date.now() - started })}`);
  });

  it('captures without guidance when the guidance endpoint is down', async () => {
    const result = await runFixture('guidance=/test/guidance-down');
    assert.equal(result.error, undefined, `${JSON.stringify(result.error)}\n${consoleLines.join('\n')}`);
    assert.deepEqual(result.feedback, ['FEEDBACK_PLEASE_HOLD']);
    assert.equal(result.quality?.guided, false);
    const opened = openCaptureBlob(Buffer.from(result.blobBase64 ?? '', 'base64'), app.deps.keys);
    assert.equal(opened.metadata.asThreshold, 'LOW');
  });

  it('rejects with 501 {code, name, message} when no acceptable face appears in time', async () => {
    const result = await runFixture('guidance=/test/guidance-no-face&timeout=1500');
    assert.deepEqual({ code: result.error?.code, name: result.error?.name, message: result.error?.message }, { code: 501, name: 'FEEDBACK_CAPTURE_TIMEOUT', message: 'Capture timed out' });
    assert.ok(result.feedback.includes('FEEDBACK_INSIDE_GUIDE'), result.feedback.join(', '));
    assert.equal(result.blobBase64, undefined);
  });

  it('rejects with 202 when the person closes the capture screen', async () => {
    const result = await runFixture('guidance=/test/guidance-no-face', async (page) => {
      await page.waitForSelector('body[data-feedback]', { state: 'attached', timeout: CAPTURE_TIMEOUT_MS });
      await page.getByRole('button', { name: 'Close' }).click();
    });
    assert.deepEqual({ code: result.error?.code, name: result.error?.name }, { code: 202, name: 'FEEDBACK_DIALOG_CLOSED' });
  });

  it('hosted capture page: captures on a phone-sized screen, retakes when asked, and tells the person the outcome', async (t) => {
    const started = Date.now();
    const page = await openPage('/capture', { width: 390, height: 844 }, true);
    assert.equal(await page.getAttribute('html', 'lang'), 'en-GB');
    await page.getByRole('button', { name: 'Start camera' }).click();
    await page.getByRole('status').filter({ hasText: /^Please Hold$/ }).waitFor({ timeout: CAPTURE_TIMEOUT_MS });
    await page.screenshot({ path: join(ARTIFACTS, 'capture-page-phone.png') });
    // The stand-in answers the first submission like a capture without a face: still open, take another.
    await page.getByText(SUBMIT_RETAKE_MESSAGE).waitFor({ timeout: CAPTURE_TIMEOUT_MS });
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.waitForSelector('#status[data-tone="success"]', { timeout: CAPTURE_TIMEOUT_MS });
    const status = await page.textContent('#status');
    const next = await page.getAttribute('#continue', 'href');
    await page.screenshot({ path: join(ARTIFACTS, 'capture-page-done.png') });
    await page.close();
    assert.equal(status, SUBMIT_COMPLETED_MESSAGE, consoleLines.join('\n'));
    assert.equal(next, `${server.url}${SUBMIT_REDIRECT_URL}`);
    t.diagnostic(`hosted page, start to outcome with one retake: ${Date.now() - started} ms`);
  });
});
