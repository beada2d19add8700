/**
 * One origin for the browser tests of the SDK on its own: the built SDK and a
 * hosted page outside any capture session, the test fixtures, guidance and
 * submit endpoints for that page (guidance answered by the server's own
 * guidanceAnswer; plus a guidance that never sees a face and one that is down),
 * and everything else forwarded to the in-process Facegate (app.inject, so the
 * app never listens). The session tests use the server's real routes.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { InjectOptions } from 'fastify';
import { guidanceAnswer } from '../../src/services/capture-sessions.js';
import { INSTALL_ROOT } from '../../src/config.js';
import { multipart, type TestApp } from '../http-harness.js';

const SDK_DIR = join(INSTALL_ROOT, 'dist', 'sdk');
const FIXTURES_DIR = join(INSTALL_ROOT, 'test', 'browser', 'fixtures');
const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json' };
export const SUBMIT_COMPLETED_MESSAGE = 'Thank you, your face check is complete.';
export const SUBMIT_RETAKE_MESSAGE = 'No face was found. Face the camera in good light and try again.';
export const SUBMIT_REDIRECT_URL = '/fixtures/after-capture';

/** What the server will inject into the hosted page per capture session; "<" checks the escaping. */
const HOSTED_PAGE_CONFIG = { token: 'test-token</script>', guidanceUrl: '/test/guidance', submitUrl: '/test/submit', locale: 'en-GB', asThreshold: 'LOW' };

export interface BrowserTestServer {
  url: string;
  close(): Promise<void>;
}

export async function startBrowserTestServer(t: TestApp): Promise<BrowserTestServer> {
  const submissions = { count: 0 };
  const server = createServer((request, response) => {
    route(t, submissions, request, response).catch((err: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function route(t: TestApp, submissions: { count: number }, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { pathname } = new URL(request.url ?? '/', 'http://localhost');
  if (request.method === 'GET' && pathname.startsWith('/sdk/')) return serveFile(SDK_DIR, pathname.slice('/sdk/'.length), response);
  if (request.method === 'GET' && pathname.startsWith('/fixtures/')) return serveFile(FIXTURES_DIR, pathname.slice('/fixtures/'.length), response);
  if (request.method === 'GET' && pathname === '/capture') return serveHostedPage(response);
  const body = await readBody(request);
  if (request.method === 'POST' && pathname === '/test/guidance') return sendJson(response, 200, await guidance(t, body));
  if (request.method === 'POST' && pathname === '/test/guidance-no-face') return sendJson(response, 200, { faces: [], frameWidth: 320, frameHeight: 240, brightness: 120 });
  if (request.method === 'POST' && pathname === '/test/guidance-down') return sendJson(response, 503, { message: 'guidance is down' });
  if (request.method === 'POST' && pathname === '/test/submit') {
    if (request.headers.authorization !== `Bearer ${HOSTED_PAGE_CONFIG.token}`) return sendJson(response, 401, { status: 'failed', message: 'The page did not send its session token.' });
    submissions.count += 1;
    // The first submission asks for a retake, as the server does when it finds no face, so the page's retry path runs too.
    if (submissions.count === 1) return sendJson(response, 200, { status: 'in_progress', message: SUBMIT_RETAKE_MESSAGE });
    return sendJson(response, 200, await submit(t, body));
  }
  return forward(t, request, body, response);
}

async function serveFile(dir: string, relative: string, response: ServerResponse): Promise<void> {
  const path = normalize(join(dir, relative));
  if (!path.startsWith(dir)) return void response.writeHead(404).end();
  const bytes = await readFile(path).catch(() => null);
  if (!bytes) return void response.writeHead(404).end();
  response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' }).end(bytes);
}

/** What the server's hosted-page route does: the page with the session's config in its JSON script element. */
async function serveHostedPage(response: ServerResponse): Promise<void> {
  const template = await readFile(join(SDK_DIR, 'capture-page.html'), 'utf8');
  const json = JSON.stringify(HOSTED_PAGE_CONFIG).replace(/</g, '\\u003c');
  const html = template.replace('<script type="application/json" id="facegate-capture-config">{}</script>', `<script type="application/json" id="facegate-capture-config">${json}</script>`);
  response.writeHead(200, { 'content-type': CONTENT_TYPES['.html'] }).end(html);
}

/** The server's own guidance answer, for a page served outside a capture session. */
async function guidance(t: TestApp, jpeg: Buffer): Promise<Record<string, unknown>> {
  return guidanceAnswer(await t.deps.engine.analyze(jpeg, { quality: true }));
}

/** Stand-in for the capture-session submit endpoint: /api/v1/process, answered as { status, message, redirectUrl? }. */
async function submit(t: TestApp, blob: Buffer): Promise<{ status: string; message: string; redirectUrl?: string }> {
  const form = multipart({ file: { data: blob, filename: 'capture.bin', contentType: 'application/octet-stream' }, level: 'LOW' });
  const result = await t.request({ method: 'POST', url: '/api/v1/process', ...form });
  const { message } = result.json() as { message?: string };
  if (result.statusCode === 200 && message === 'FEEDBACK_CAPTURED') return { status: 'completed', message: SUBMIT_COMPLETED_MESSAGE, redirectUrl: SUBMIT_REDIRECT_URL };
  if (message === 'FEEDBACK_RETRY') return { status: 'in_progress', message: 'We could not confirm the photo was taken live. Please try again in better light.' };
  return { status: 'failed', message: `The check failed (${message ?? result.statusCode}).` };
}

async function forward(t: TestApp, request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> {
  const result = await t.app.inject({
    method: request.method as InjectOptions['method'],
    url: request.url ?? '/',
    headers: request.headers,
    ...(body.length > 0 ? { payload: body } : {}),
  });
  const headers = Object.fromEntries(Object.entries(result.headers).filter(([name]) => !['transfer-encoding', 'connection', 'content-length'].includes(name)));
  response.writeHead(result.statusCode, headers).end(result.rawPayload);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
