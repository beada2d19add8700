/** `facegate tls` as an operator and a client run it: init, a client's CSR, signing, and the files the server then loads. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { INSTALL_ROOT, loadServerConfig } from '../src/config.js';

const CLI = join(INSTALL_ROOT, 'dist', 'src', 'cli', 'main.js');
const DAY_MS = 86_400_000;

async function facegate(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [CLI, ...args], { cwd, env: { ...process.env, FACEGATE_DATA_DIR: join(cwd, 'data') } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const mode = (path: string) => statSync(path).mode & 0o777;
const validDays = (certificate: X509Certificate) => Math.round((Date.parse(certificate.validTo) - Date.parse(certificate.validFrom)) / DAY_MS);

test('tls init, a client CSR and tls sign give a server configuration and a client certificate that fit together', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'facegate-cli-tls-'));
  const init = await facegate(cwd, 'tls', 'init', '--host', 'face.example.com,10.0.0.5', '--days', '30');
  assert.equal(init.code, 0, init.stderr);
  const made = JSON.parse(init.stdout);
  assert.equal(made.dir, join(cwd, 'data', 'tls'), 'defaults to the data dir');
  assert.equal(mode(made.clientCa.privateKey), 0o600);
  assert.equal(mode(made.server.privateKey), 0o600);
  const serverCertificate = new X509Certificate(readFileSync(made.server.certificate));
  assert.equal(serverCertificate.subjectAltName, 'DNS:face.example.com, IP Address:10.0.0.5');
  assert.equal(validDays(serverCertificate), 30);
  const tls = loadServerConfig({ FACEGATE_DATA_DIR: join(cwd, 'data'), ...made.env }).tls;
  assert.equal(tls?.clientCa?.mode, 'require', 'the printed variables are a valid mTLS configuration');

  const again = await facegate(cwd, 'tls', 'init');
  assert.equal(again.code, 64);
  assert.match(again.stderr, /refusing to overwrite .*client-ca\.crt/);

  const csr = await facegate(cwd, 'tls', 'csr', '--cn', 'acme-gate', '--org', 'Acme', '--out-key', 'acme.key', '--out-csr', 'acme.csr');
  assert.equal(csr.code, 0, csr.stderr);
  assert.equal(mode(join(cwd, 'acme.key')), 0o600);

  const sign = await facegate(cwd, 'tls', 'sign', 'acme.csr', '--days', '10', '--out', 'acme.crt');
  assert.equal(sign.code, 0, sign.stderr);
  const signed = JSON.parse(sign.stdout);
  assert.equal(signed.subject, 'CN=acme-gate, O=Acme');
  const clientCertificate = new X509Certificate(readFileSync(join(cwd, 'acme.crt')));
  assert.ok(clientCertificate.verify(new X509Certificate(readFileSync(made.clientCa.certificate)).publicKey), 'signed by the client CA init made');
  assert.ok(clientCertificate.checkPrivateKey(createPrivateKey(readFileSync(join(cwd, 'acme.key')))));
  assert.equal(validDays(clientCertificate), 10);
  assert.equal(clientCertificate.serialNumber.toLowerCase(), signed.serialNumber);

  const missing = await facegate(cwd, 'tls', 'sign', 'nothing.csr');
  assert.equal(missing.code, 64);
  assert.match(missing.stderr, /cannot read the CSR .*nothing\.csr/);
  const usage = await facegate(cwd, 'tls', 'renew');
  assert.equal(usage.code, 64);
  assert.match(usage.stderr, /usage: facegate tls init/);
});
