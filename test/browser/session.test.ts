/**
 * The person-facing flows end to end in real Chromium against the real
 * server: a session created with the spec's own HMAC code (spec 004) and a
 * facemap authentication (spec 003) are completed on the hosted capture page
 * by a fake camera playing a photo of the enrolled person.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { INSTALL_ROOT } from '../../src/config.js';
import { DATASETS } from '../datasets.js';
import { datasetBase64, startTestApp, type TestApp } from '../http-harness.js';
import { browserTestsSkip, launchChromium, makeFakeCameraVideo, requireBrowserTools } from './chromium.js';
import { generateHmac } from '../spec-hmac.js';

const CAMERA_FACE = join(DATASETS, 'lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg');
const ENROLLED_FACE = 'lfw-dev/images/Colin_Powell/Colin_Powell_0002.jpg';
const ARTIFACTS = join(INSTALL_ROOT, 'test-artifacts');
const TIMEOUT_MS = 60_000;


describe('hosted capture page with real sessions in Chromium', { skip: browserTestsSkip() }, () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let client: { client: string; secret: string };

  before(async () => {
    requireBrowserTools();
    mkdirSync(ARTIFACTS, { recursive: true });
    [t, browser] = await Promise.all([startTestApp({ FACEGATE_LIVENESS_LEVEL: 'LOW', FACEGATE_CAPTURE_LIVENESS_LEVEL: 'LOW' }), launchChromium(makeFakeCameraVideo(CAMERA_FACE))]);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    assert.equal((await t.request({ method: 'POST', url: '/admin/v1/galleries', payload: { name: 'members', livenessLevel: 'LOW' } })).statusCode, 200);
    assert.equal((await t.request({ method: 'POST', url: '/backoffice/v1/enroll', payload: { gallery: 'members', userId: 'colin', image: datasetBase64(ENROLLED_FACE) } })).statusCode, 200);
    client = (await t.request({ method: 'POST', url: '/admin/v1/clients', payload: { name: 'bank', gallery: 'members' } })).json();
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Opens a capture link on a phone-sized screen, lets the page capture, returns what it told the person. */
  async function completeOnPage(url: string, screenshot: string): Promise<string> {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await page.goto(url);
      await page.getByRole('button', { name: 'Start camera' }).click();
      await page.waitForSelector('#status[data-tone="success"], #status[data-tone="error"]', { timeout: TIMEOUT_MS });
      await page.screenshot({ path: join(ARTIFACTS, screenshot) });
      return (await page.textContent('#status')) ?? '';
    } finally {
      await page.close();
    }
  }

  it('a session created with the spec HMAC code completes with a match against the enrolled person', async () => {
    const body = JSON.stringify({ country: 'US', uniqueIdentifier: 'colin' });
    const created = await fetch(`${base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-client': client.client, 'x-hmac-signature': generateHmac('POST', `${base}/api/v1/session`, body, 'application/json', client.client, client.secret) },
      body,
    });
    assert.equal(created.status, 200, await created.clone().text());
    const { sessionId, url } = ((await created.json()) as { data: { sessionId: string; url: string } }).data;
    assert.ok(url.startsWith(`${base}/capture/`));

    const told = await completeOnPage(url, 'capture-session-done.png');
    assert.match(told, /verified/);

    const path = `/api/v1/session/${sessionId}`;
    const result = (await (await fetch(`${base}${path}`, { headers: { 'x-auth-client': client.client, 'x-hmac-signature': generateHmac('GET', `${base}${path}`, '', '', client.client, client.secret) } })).json()) as {
      data: { state: string; result: { match: { possibleMatch: boolean; similarityScore: number }; liveness: { passed: boolean } } };
    };
    assert.equal(result.data.state, 'completed');
    assert.equal(result.data.result.match.possibleMatch, true);
    assert.ok(result.data.result.match.similarityScore >= 90);
  });

  it('a facemap authentication completes as PASSED on the same page', async () => {
    const exported = (await t.request({ method: 'GET', url: '/backoffice/v1/facemap?gallery=members&userId=colin' })).json();
    const form = new FormData();
    form.append('facemap', new Blob([Buffer.from(exported.facemap, 'base64')]), 'facemap.bin');
    form.append('enrollmentMetadata', JSON.stringify({ enrollmentMetadata: { enrollmentTransactionReference: exported.enrollmentTransactionReference, userReference: 'u-1', successUrl: 'https://bank.example/ok', locale: 'en-GB' } }));
    const basic = `Basic ${Buffer.from(`${client.client}:${client.secret}`).toString('base64')}`;
    const initiated = await fetch(`${base}/api/authentication/v1/facemap/initiate`, { method: 'POST', headers: { authorization: basic }, body: form });
    assert.equal(initiated.status, 200, await initiated.clone().text());
    const { authenticationTransactionReference, redirectUrl } = (await initiated.json()) as { authenticationTransactionReference: string; redirectUrl: string };

    assert.match(await completeOnPage(redirectUrl, 'capture-authentication-done.png'), /verified/);
    const state = (await (await fetch(`${base}/api/authentication/v1/facemap/${authenticationTransactionReference}`, { headers: { authorization: basic } })).json()) as { state: string };
    assert.equal(state.state, 'PASSED');
  });
});
