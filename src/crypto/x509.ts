/**
 * X.509 for HTTPS and mTLS (docs/tls.md): the client CA, a self-signed server
 * certificate, client CSRs and their signing. node-forge builds the
 * certificates because the machines Facegate runs on may have no openssl
 * binary; RSA 2048 keys come from node:crypto, which is native and fast.
 * PEM in, PEM out: files are the CLI's business.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import { FacegateError } from '../core/errors.js';

export interface CertificateAndKey {
  certificatePem: string;
  privateKeyPem: string;
}

export interface SignedClientCertificate {
  certificatePem: string;
  subject: string;
  serialNumber: string;
  notAfter: Date;
}

const DAY_MS = 86_400_000;
/** Certificates start this far in the past, so a verifier whose clock runs behind the signer's accepts them at once. */
const CLOCK_SKEW_MS = 5 * 60_000;
const MIN_CLIENT_KEY_BITS = 2048;
const invalid = (message: string) => new FacegateError('ERROR_INVALID_ARGUMENT', message);

function newRsaKeyPair(): { privateKeyPem: string; privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey: privateKeyPem } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const privateKey = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  return { privateKeyPem, privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e) };
}

/** 16 random bytes; the top bit cleared keeps the DER integer positive, the next one set keeps it minimal. */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function newCertificate(publicKey: forge.pki.PublicKey, subject: forge.pki.CertificateField[], days: number, now: Date): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = publicKey;
  certificate.serialNumber = randomSerialNumber();
  certificate.validity.notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  certificate.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
  certificate.setSubject(subject);
  return certificate;
}

function selfSign(certificate: forge.pki.Certificate, privateKey: forge.pki.rsa.PrivateKey): string {
  certificate.setIssuer(certificate.subject.attributes);
  certificate.sign(privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}

/** The CA whose certificates clients present; it signs nothing else, so it cannot vouch for a server. */
export function createClientCa(options: { days: number }): CertificateAndKey {
  const keys = newRsaKeyPair();
  const certificate = newCertificate(keys.publicKey, [{ name: 'commonName', value: 'Facegate client CA' }], options.days, new Date());
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return { certificatePem: selfSign(certificate, keys.privateKey), privateKeyPem: keys.privateKeyPem };
}

/** Self-signed: clients trust this very certificate (curl --cacert server.crt), no server CA to keep. */
export function createServerCertificate(options: { hosts: string[]; days: number }): CertificateAndKey {
  if (options.hosts.length === 0) throw invalid('a server certificate needs at least one host name or IP address');
  const keys = newRsaKeyPair();
  const certificate = newCertificate(keys.publicKey, [{ name: 'commonName', value: options.hosts[0] }], options.days, new Date());
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: options.hosts.map((host) => (isIP(host) ? { type: 7, ip: host } : { type: 2, value: host })) },
    { name: 'subjectKeyIdentifier' },
  ]);
  return { certificatePem: selfSign(certificate, keys.privateKey), privateKeyPem: keys.privateKeyPem };
}

/** What a client runs on its own machine: the private key never leaves it, only the CSR does. */
export function createClientCsr(options: { commonName: string; organization?: string }): { csrPem: string; privateKeyPem: string } {
  const keys = newRsaKeyPair();
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = keys.publicKey;
  csr.setSubject([{ name: 'commonName', value: options.commonName }, ...(options.organization ? [{ name: 'organizationName', value: options.organization }] : [])]);
  csr.sign(keys.privateKey, forge.md.sha256.create());
  return { csrPem: forge.pki.certificationRequestToPem(csr), privateKeyPem: keys.privateKeyPem };
}

function parseCsr(csrPem: string): forge.pki.CertificateSigningRequest {
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(csrPem);
  } catch (err) {
    throw invalid(`not a PEM certificate signing request with an RSA key: ${(err as Error).message}`);
  }
  let signed = false;
  try {
    signed = csr.verify();
  } catch {
    // An unknown signature algorithm counts as a bad signature.
  }
  // The signature proves the requester holds the private key of the public key it asks us to certify.
  if (!signed) throw invalid('the CSR signature does not verify: it was altered or not signed with its own private key');
  return csr;
}

function parseCa(ca: CertificateAndKey): { certificate: forge.pki.Certificate; privateKey: forge.pki.rsa.PrivateKey } {
  let certificate: forge.pki.Certificate;
  let privateKey: forge.pki.rsa.PrivateKey;
  try {
    certificate = forge.pki.certificateFromPem(ca.certificatePem);
    privateKey = forge.pki.privateKeyFromPem(ca.privateKeyPem) as forge.pki.rsa.PrivateKey;
  } catch (err) {
    throw invalid(`the client CA must be a PEM certificate with an unencrypted RSA private key: ${(err as Error).message}`);
  }
  if (!(certificate.publicKey as forge.pki.rsa.PublicKey).n.equals(privateKey.n)) throw invalid('the client CA private key does not belong to the client CA certificate');
  return { certificate, privateKey };
}

/** The CA's own key identifier, so OpenSSL's chain building pairs the certificate with it even for a CA made elsewhere. */
function caKeyIdentifier(caCertificate: forge.pki.Certificate): string {
  const extension = caCertificate.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  return extension?.subjectKeyIdentifier ? forge.util.hexToBytes(extension.subjectKeyIdentifier) : caCertificate.generateSubjectKeyIdentifier().getBytes();
}

/**
 * The provider's half of the spec's CSR flow. The subject comes from the CSR;
 * extensions the CSR asks for are ignored, so a client can never obtain a CA
 * or server certificate: it gets clientAuth and nothing else.
 */
export function signClientCsr(csrPem: string, ca: CertificateAndKey, options: { days: number; now?: Date }): SignedClientCertificate {
  const csr = parseCsr(csrPem);
  if (!csr.subject.getField('CN')) throw invalid('the CSR has no common name (CN): name the client system it is for, e.g. --cn bank-backend');
  const keyBits = (csr.publicKey as forge.pki.rsa.PublicKey).n.bitLength();
  if (keyBits < MIN_CLIENT_KEY_BITS) throw invalid(`the CSR's RSA key has ${keyBits} bits; make one of at least ${MIN_CLIENT_KEY_BITS}`);
  const authority = parseCa(ca);
  const certificate = newCertificate(csr.publicKey!, csr.subject.attributes, options.days, options.now ?? new Date());
  certificate.setIssuer(authority.certificate.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyIdentifier(authority.certificate) },
  ]);
  certificate.sign(authority.privateKey, forge.md.sha256.create());
  return {
    certificatePem: forge.pki.certificateToPem(certificate),
    subject: csr.subject.attributes.map((a) => `${a.shortName ?? a.name}=${String(a.value)}`).join(', '),
    serialNumber: certificate.serialNumber,
    notAfter: certificate.validity.notAfter,
  };
}
