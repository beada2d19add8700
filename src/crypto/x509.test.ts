/** Certificates made with node-forge, checked with node:crypto's OpenSSL: what a TLS peer will see. */
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { test } from 'node:test';
import forge from 'node-forge';
import { FacegateError } from '../core/errors.js';
import { createClientCa, createClientCsr, createServerCertificate, signClientCsr } from './x509.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const DAY_MS = 86_400_000;

const ca = createClientCa({ days: 30 });
const caCertificate = new X509Certificate(ca.certificatePem);
const request = createClientCsr({ commonName: 'bank-backend', organization: 'Example Bank' });

const refused = (pattern: RegExp) => (err: unknown) => err instanceof FacegateError && err.code === 'ERROR_INVALID_ARGUMENT' && pattern.test(err.message);

/** A CSR made by hand, for requests createClientCsr never makes; `adjust` runs before signing. */
function handMadeCsr(commonName: string, bits: number, adjust?: (csr: forge.pki.CertificateSigningRequest) => void): forge.pki.CertificateSigningRequest {
  const keys = forge.pki.rsa.generateKeyPair({ bits, e: 0x10001 });
  const csr = forge.pki.createCertificationRequest();
  csr.setSubject([{ name: 'commonName', value: commonName }]);
  csr.publicKey = keys.publicKey;
  adjust?.(csr);
  csr.sign(keys.privateKey, forge.md.sha256.create());
  return csr;
}

function toPem(type: string, der: Buffer): string {
  return `-----BEGIN ${type}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${type}-----\n`;
}

test('a signed CSR is a clientAuth certificate of the client CA for the CSR subject and key, valid for the days asked', () => {
  const now = new Date('2031-05-06T07:08:09Z');
  const signed = signClientCsr(request.csrPem, ca, { days: 90, now });
  const certificate = new X509Certificate(signed.certificatePem);
  assert.ok(certificate.verify(caCertificate.publicKey), 'signed by the client CA');
  assert.ok(certificate.checkIssued(caCertificate));
  assert.ok(certificate.checkPrivateKey(createPrivateKey(request.privateKeyPem)), 'certifies the key the CSR was made with');
  assert.equal(certificate.subject, 'CN=bank-backend\nO=Example Bank');
  assert.equal(signed.subject, 'CN=bank-backend, O=Example Bank');
  assert.deepEqual(certificate.keyUsage, [CLIENT_AUTH]);
  assert.equal(certificate.ca, false);
  assert.equal(new Date(certificate.validFrom).getTime(), now.getTime() - 5 * 60_000, 'backdated for clock skew');
  assert.equal(new Date(certificate.validTo).getTime() - now.getTime(), 90 * DAY_MS);
  assert.equal(signed.notAfter.getTime(), now.getTime() + 90 * DAY_MS);
  assert.equal(certificate.serialNumber.toLowerCase(), signed.serialNumber);
  assert.notEqual(signClientCsr(request.csrPem, ca, { days: 90, now }).serialNumber, signed.serialNumber, 'serials are random');
});

test('a CSR whose signature does not verify is refused', () => {
  const der = Buffer.from(request.csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.length - 1]! ^= 0x01; // the last byte of the signature
  assert.throws(() => signClientCsr(toPem('CERTIFICATE REQUEST', der), ca, { days: 1 }), refused(/signature does not verify/));

  // bank-backend's public key, signed with another key: whoever sent it cannot prove they hold bank-backend's key.
  const borrowed = handMadeCsr('mallory', 2048);
  borrowed.publicKey = forge.pki.certificationRequestFromPem(request.csrPem).publicKey;
  borrowed.certificationRequestInfo = null; // forge would otherwise encode the request as signed
  const pem = forge.pki.certificationRequestToPem(borrowed);
  assert.throws(() => signClientCsr(pem, ca, { days: 1 }), refused(/signature does not verify/));

  assert.throws(() => signClientCsr('not a CSR', ca, { days: 1 }), refused(/not a PEM certificate signing request/));
});

test('extensions a CSR asks for are ignored: a client cannot get a CA or server certificate', () => {
  const greedy = handMadeCsr('greedy', 2048, (csr) =>
    csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'basicConstraints', cA: true }, { name: 'extKeyUsage', serverAuth: true, clientAuth: true }] }]),
  );
  const pem = forge.pki.certificationRequestToPem(greedy);
  assert.ok(forge.pki.certificationRequestFromPem(pem).getAttribute({ name: 'extensionRequest' }), 'the CSR does ask');
  const certificate = new X509Certificate(signClientCsr(pem, ca, { days: 1 }).certificatePem);
  assert.equal(certificate.ca, false);
  assert.deepEqual(certificate.keyUsage, [CLIENT_AUTH]);
});

test('a CSR with a short key is refused', () => {
  const weak = handMadeCsr('weak', 1024);
  assert.throws(() => signClientCsr(forge.pki.certificationRequestToPem(weak), ca, { days: 1 }), refused(/1024 bits; make one of at least 2048/));
});

test('signing refuses a client CA whose key is not its own', () => {
  const other = createClientCa({ days: 1 });
  assert.throws(() => signClientCsr(request.csrPem, { certificatePem: ca.certificatePem, privateKeyPem: other.privateKeyPem }, { days: 1 }), refused(/does not belong to the client CA certificate/));
});

test('the client CA is a CA; the server certificate is a serverAuth leaf for every host given', () => {
  assert.equal(caCertificate.ca, true);
  assert.equal(caCertificate.subject, 'CN=Facegate client CA');
  const server = createServerCertificate({ hosts: ['face.example.com', '10.1.2.3'], days: 10 });
  const certificate = new X509Certificate(server.certificatePem);
  assert.ok(certificate.checkPrivateKey(createPrivateKey(server.privateKeyPem)));
  assert.ok(certificate.verify(certificate.publicKey), 'self-signed');
  assert.equal(certificate.ca, false);
  assert.deepEqual(certificate.keyUsage, [SERVER_AUTH]);
  assert.equal(certificate.checkHost('face.example.com'), 'face.example.com');
  assert.equal(certificate.checkIP('10.1.2.3'), '10.1.2.3');
  assert.equal(certificate.checkHost('other.example.com'), undefined);
  assert.throws(() => createServerCertificate({ hosts: [], days: 1 }), refused(/at least one host/));
});

test('a CSR without a common name is refused: the certificate must say which client it is', () => {
  const nameless = handMadeCsr('unused', 2048, (csr) => csr.setSubject([{ name: 'organizationName', value: 'Example Bank' }]));
  assert.throws(() => signClientCsr(forge.pki.certificationRequestToPem(nameless), ca, { days: 1 }), refused(/no common name/));
});
