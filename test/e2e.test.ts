/**
 * End to end: starts the real server process as the README says and runs the
 * README's curl examples (the block between the e2e markers) against it.
 */
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { INSTALL_ROOT } from '../src/config.js';
import { DATASETS } from './datasets.js';

const apiKey = randomUUID();
let server: ChildProcess;
let url: string;
let output = '';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn('node', [join(INSTALL_ROOT, 'dist/src/cli/main.js'), 'serve'], {
    env: { ...process.env, FACEGATE_PORT: String(port), FACEGATE_HOST: '127.0.0.1', FACEGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'facegate-e2e-')), FACEGATE_BOOTSTRAP_API_KEY: apiKey, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited: ${output}`);
    try {
      if ((await fetch(`${url}/api/v1/face_health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server did not become healthy: ${output}`);
});

after(async () => {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGKILL');
  await exited;
});

function readmeExamples(): string[] {
  const readme = readFileSync(join(INSTALL_ROOT, 'README.md'), 'utf8');
  const block = readme.split('<!-- e2e:start -->')[1]?.split('<!-- e2e:end -->')[0];
  assert.ok(block, 'README has no e2e block');
  return block.split('\n').filter((line) => line.startsWith('curl '));
}

test('the server prints how to call it', () => {
  assert.match(output, /facegate listening on http:\/\/127\.0\.0\.1:\d+/);
  assert.match(output, /\/docs/);
});

test("the README's curl examples work against the real server", async () => {
  const examples = readmeExamples();
  assert.ok(examples.length >= 6, `${examples.length} examples`);
  const env = {
    ...process.env,
    FACEGATE_URL: url,
    API_KEY: apiKey,
    PHOTO_1: join(DATASETS, 'dlib-johns/images/John_Salley/000179_02159509.jpg'),
    PHOTO_2: join(DATASETS, 'dlib-johns/images/John_Salley/000183_02159543.jpg'),
  };
  const results: Array<Record<string, unknown>> = [];
  for (const command of examples) {
    const { stdout } = await promisify(execFile)('bash', ['-c', `set -o pipefail; ${command}`], { env, maxBuffer: 32 * 1024 * 1024 });
    const json = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(String(json.feedbackCode ?? '').startsWith('ERROR'), false, `${command}\n→ ${stdout}`);
    results.push(json);
  }
  const match = results.find((r) => r.feedbackCode === 'FEEDBACK_MATCHED');
  assert.equal(match?.possibleMatch, true);
  const identify = results.find((r) => 'verified' in r);
  assert.equal((identify?.match as { possibleMatch: boolean }).possibleMatch, true);
});

test('SIGTERM shuts the server down cleanly', async () => {
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  assert.equal(await exited, 0);
});
