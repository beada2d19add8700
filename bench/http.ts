/**
 * The HTTP layer's cost: matchWithSelfie and process through the real server
 * (a child process, as deployed) under concurrent clients (autocannon), next
 * to the same work through the engine API in one process.
 * Usage: npm run build && node dist/bench/http.js [--seconds 20 --connections 4]
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { INSTALL_ROOT, loadEngineConfig } from '../src/config.js';
import { median } from '../src/core/numeric.js';
import { FaceEngine } from '../src/engine/engine.js';
import { selfieJpegs } from './images.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, connections: { type: 'string', default: '4' }, runs: { type: 'string', default: '3' } } });
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const runs = Number(args.runs);
const images = await selfieJpegs(40);

async function engineOnly(): Promise<{ compare: number; process: number }> {
  const engine = await FaceEngine.open(loadEngineConfig());
  const rate = async (task: (i: number) => Promise<unknown>) => {
    let next = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    let done = 0;
    await Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        await task(next++ % images.length);
        done++;
      }
    }));
    return (done * 1000) / (performance.now() - started);
  };
  const compare = await rate((i) => engine.compare(images[i], images[(i + 1) % images.length], { mode: 'selfie', level: 'HIGH' }));
  const process = await rate((i) => engine.analyze(images[i], { template: true, liveness: true, quality: true }));
  await engine.close();
  return { compare, process };
}

async function startServer(): Promise<{ url: string; key: string; stop: () => Promise<void> }> {
  const key = randomUUID();
  const port = 18000 + Math.floor(Math.random() * 1000);
  const child = spawn('node', [join(INSTALL_ROOT, 'dist/src/cli/main.js'), 'serve'], {
    env: { ...process.env, FACEGATE_PORT: String(port), FACEGATE_HOST: '127.0.0.1', FACEGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'facegate-bench-')), FACEGATE_BOOTSTRAP_API_KEY: key, LOG_LEVEL: 'warn', FACEGATE_RATE_LIMIT: '1000000' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const healthy = async (): Promise<boolean> => (await fetch(`${url}/api/v1/face_health`).catch(() => null))?.ok ?? false;
  let ready = false;
  for (let i = 0; i < 240 && !(ready = await healthy()); i++) await new Promise((r) => setTimeout(r, 250));
  if (!ready) {
    child.kill('SIGTERM');
    throw new Error(`the server at ${url} did not become healthy within 60 s`);
  }
  return { url, key, stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }) };
}

function multipartBody(image: Uint8Array): { body: Buffer; contentType: string } {
  const boundary = `----bench${randomUUID()}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    Buffer.from(image),
    Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="level"\r\n\r\nLOW\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function load(url: string, key: string, path: string, requests: Array<{ body: Buffer | string; contentType: string }>): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const result = await autocannon({
    url: `${url}${path}`,
    connections,
    duration: seconds,
    requests: requests.map((r) => ({ method: 'POST', body: r.body as string, headers: { 'content-type': r.contentType, 'x-api-key': key } })),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

const engineRuns: Array<{ compare: number; process: number }> = [];
for (let i = 0; i < runs; i++) engineRuns.push(await engineOnly());
const server = await startServer();
const matchRequests = images.slice(0, 20).map((img, i) => ({
  contentType: 'application/json',
  body: JSON.stringify({ image: { template: Buffer.from(img).toString('base64'), format: 'JPEG' }, imageToVerifyAgainst: { template: Buffer.from(images[i + 1]).toString('base64'), format: 'JPEG' }, level: 'HIGH' }),
}));
const processRequests = images.slice(0, 20).map((img) => { const m = multipartBody(img); return { body: m.body, contentType: m.contentType }; });
type LoadResult = Awaited<ReturnType<typeof load>>;
const matchRuns: LoadResult[] = [];
const processRuns: LoadResult[] = [];
for (let i = 0; i < runs; i++) {
  matchRuns.push(await load(server.url, server.key, '/api/v1/matchWithSelfie', matchRequests));
  processRuns.push(await load(server.url, server.key, '/api/v1/process', processRequests));
}
await server.stop();

const summary = (name: string, http: LoadResult[], engine: number[]) => {
  const rps = median(http.map((r) => r.rps));
  const engineRate = median(engine);
  return { endpoint: name, httpPerSecond: rps, engineOnlyPerSecond: engineRate, httpCost: 1 - rps / engineRate, p50Ms: median(http.map((r) => r.p50)), p99Ms: median(http.map((r) => r.p99)), failedResponses: http.reduce((s, r) => s + r.errors, 0) };
};
process.stdout.write(JSON.stringify({
  connections, seconds, runs,
  results: [summary('POST /api/v1/matchWithSelfie', matchRuns, engineRuns.map((r) => r.compare)), summary('POST /api/v1/process (liveness + quality + template)', processRuns, engineRuns.map((r) => r.process))],
}, null, 2) + '\n');
