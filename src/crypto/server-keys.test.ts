import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { FacegateError } from '../core/errors.js';
import { loadOrCreateServerKeys, type ServerKeys } from './server-keys.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'facegate-keys-'));
  dirs.push(dir);
  return dir;
}

function summary(keys: Pick<ServerKeys, 'dataKey' | 'keyId' | 'publicKeyPem' | 'signingPublicKeyPem'>): string {
  return JSON.stringify({ dataKey: Buffer.from(keys.dataKey).toString('base64'), keyId: keys.keyId, pem: keys.publicKeyPem, signing: keys.signingPublicKeyPem });
}

/** Every loader sleeps until the same instant, so the child processes race the in-process loaders for real. */
const CHILD_SCRIPT = `
const { loadOrCreateServerKeys } = await import(process.env.MODULE_URL);
await new Promise((resolve) => setTimeout(resolve, Number(process.env.START_AT) - Date.now()));
const keys = await loadOrCreateServerKeys(process.env.DATA_DIR);
process.stdout.write(JSON.stringify({ dataKey: Buffer.from(keys.dataKey).toString('base64'), keyId: keys.keyId, pem: keys.publicKeyPem, signing: keys.signingPublicKeyPem }));
`;

test('loaders starting together on a fresh dir, in this process and in two others, all get the same keys', async () => {
  const dataDir = await freshDataDir();
  const startAt = Date.now() + 1500;
  const env = { ...process.env, MODULE_URL: new URL('./server-keys.js', import.meta.url).href, START_AT: String(startAt), DATA_DIR: dataDir };
  const children = [1, 2].map(() => promisify(execFile)(process.execPath, ['--input-type=module', '-e', CHILD_SCRIPT], { env }).then((r) => r.stdout));
  await new Promise((resolve) => setTimeout(resolve, startAt - Date.now()));
  const inProcess = Array.from({ length: 5 }, () => loadOrCreateServerKeys(dataDir).then(summary));
  const results = await Promise.all([...inProcess, ...children]);
  assert.equal(new Set(results).size, 1, 'all loaders agree');
  assert.equal(summary(await loadOrCreateServerKeys(dataDir)), results[0], 'a later start reads the same keys');

  assert.equal((await stat(join(dataDir, 'keys'))).mode & 0o777, 0o700);
  assert.equal((await stat(join(dataDir, 'keys', 'data.key'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(dataDir, 'keys', 'capture-rsa.pem'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(dataDir, 'keys', 'signing-ed25519.pem'))).mode & 0o777, 0o600);
  assert.deepEqual((await readdir(join(dataDir, 'keys'))).sort(), ['capture-rsa.pem', 'data.key', 'signing-ed25519.pem'], 'no temporary files left');
});

test('the published key forms agree with each other', async () => {
  const keys = await loadOrCreateServerKeys(await freshDataDir());
  assert.equal(keys.dataKey.length, 32);
  assert.equal(keys.rsaPrivateKey.asymmetricKeyDetails?.modulusLength, 3072);
  assert.match(keys.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  const spkiDer = createPublicKey(keys.publicKeyPem).export({ type: 'spki', format: 'der' });
  assert.equal(spkiDer.toString('base64'), keys.publicKeySpkiDerBase64, 'the PEM and the base64 DER are the same key');
  assert.equal(keys.keyId, createHash('sha256').update(spkiDer).digest('hex').slice(0, 16), 'the key id is the SPKI fingerprint');
  assert.deepEqual(createPublicKey(keys.rsaPrivateKey).export({ type: 'spki', format: 'der' }), spkiDer, 'and it is the private key\'s public half');
});

test('FACEGATE_DATA_KEY overrides the file, and a bad value names the variable', async () => {
  const dataDir = await freshDataDir();
  const given = randomBytes(32);
  const keys = await loadOrCreateServerKeys(dataDir, { dataKey: given.toString('base64') });
  assert.deepEqual(Buffer.from(keys.dataKey), given);
  assert.equal(existsSync(join(dataDir, 'keys', 'data.key')), false, 'no unused data.key is created');

  for (const bad of [randomBytes(16).toString('base64'), 'not base64!', `${given.toString('base64')}AAAA`]) {
    await assert.rejects(
      loadOrCreateServerKeys(dataDir, { dataKey: bad }),
      (e: unknown) => e instanceof FacegateError && e.code === 'ERROR_INVALID_ARGUMENT' && /FACEGATE_DATA_KEY/.test(e.message) && !e.message.includes(bad),
    );
  }
});

test('a damaged key file stops the start with a message naming the file', async () => {
  const dataDir = await freshDataDir();
  await loadOrCreateServerKeys(dataDir);
  await writeFile(join(dataDir, 'keys', 'data.key'), 'short\n');
  await assert.rejects(loadOrCreateServerKeys(dataDir), /data\.key must be the base64 of 32 random bytes/);
  await rm(join(dataDir, 'keys', 'data.key'));
  await writeFile(join(dataDir, 'keys', 'capture-rsa.pem'), '-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n');
  await assert.rejects(loadOrCreateServerKeys(dataDir), /capture-rsa\.pem is not a usable RSA private key/);
});
