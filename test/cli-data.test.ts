/** CLI commands that share the server's data: keys, galleries and capture blobs made by the CLI work in the server. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { INSTALL_ROOT } from '../src/config.js';
import { DATASETS } from './datasets.js';
import { multipart, startTestApp } from './http-harness.js';

const CLI = join(INSTALL_ROOT, 'dist', 'src', 'cli', 'main.js');

test('keys, galleries and blobs made by the CLI are used by a server on the same data dir', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'facegate-cli-'));
  const run = async (...args: string[]) => JSON.parse((await promisify(execFile)('node', [CLI, ...args], { env: { ...process.env, FACEGATE_DATA_DIR: dataDir } })).stdout);
  const key = await run('keys', 'create', '--name', 'kiosk', '--permissions', 'sdk:*,api:process');
  assert.match(key.key, /^[0-9a-f-]{36}$/);
  assert.deepEqual(key.permissions.sort(), ['api:process', 'sdk:capture', 'sdk:enroll', 'sdk:identify', 'sdk:liveness', 'sdk:search']);
  const gallery = await run('galleries', 'create', '--name', 'lobby', '--save-photo', 'false', '--liveness-level', 'none');
  assert.equal(gallery.savePhoto, false);
  assert.equal(gallery.livenessLevel, null);
  const client = await run('clients', 'create', '--name', 'shop', '--gallery', 'lobby');
  assert.match(client.client, /^[0-9a-f-]{36}$/);
  assert.ok(client.secret.length >= 40);
  const blobFile = join(dataDir, 'capture.bin');
  await run('blob', join(DATASETS, 'lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg'), '--out', blobFile);
  await assert.rejects(promisify(execFile)('node', [CLI, 'keys', 'create', '--name', 'x', '--permissions', 'sdk:fly'], { env: { ...process.env, FACEGATE_DATA_DIR: dataDir } }), /unknown permission "sdk:fly"/);

  const app = await startTestApp({ FACEGATE_DATA_DIR: dataDir });
  try {
    const handshake = await app.request({ method: 'POST', url: '/sdk/v1/handshake', key: key.key });
    assert.equal(handshake.statusCode, 200, handshake.body);
    assert.deepEqual(handshake.json().galleries.map((g: { name: string }) => g.name), ['lobby']);
    const processed = await app.request({ method: 'POST', url: '/api/v1/process', key: key.key, ...multipart({ file: { data: readFileSync(blobFile), filename: 'bdata', contentType: 'application/octet-stream' }, level: 'LOW' }) });
    assert.equal(processed.statusCode, 200, processed.body);
    assert.equal(processed.json().data.width, 250);
    const clients = (await app.request({ method: 'GET', url: '/admin/v1/clients' })).json().clients;
    assert.deepEqual(clients.map((c: { client: string; gallery: string }) => [c.client, c.gallery]), [[client.client, 'lobby']]);
    const forbidden = await app.request({ method: 'POST', url: '/backoffice/v1/handshake', key: key.key });
    assert.equal(forbidden.statusCode, 403);
  } finally {
    await app.close();
  }
});
