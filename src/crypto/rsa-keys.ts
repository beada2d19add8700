/**
 * Parsing and fingerprinting of the RSA keys Facegate works with: its own
 * capture key pair and the integrator's TEMPLATE_ENCRYPTION_KEY.
 */
import { createHash, createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { FacegateError } from '../core/errors.js';

const MIN_MODULUS_BITS = 2048;

/**
 * Accepts a PEM public key (SPKI "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY") or
 * the bare base64 of its DER, which is how such keys usually travel in an
 * environment variable.
 */
export function parseRsaPublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.includes('PRIVATE KEY')) {
    throw invalidKey('this is a private key; give the public key only (the private key must stay with the integrator)');
  }
  return checkRsa(trimmed.startsWith('-----BEGIN') ? parsePem(trimmed) : parseBase64Der(trimmed));
}

/** A public key as given to an encrypting function: a KeyObject (public, or private to derive it from) or text for parseRsaPublicKey. */
export function toRsaPublicKey(key: KeyObject | string): KeyObject {
  if (typeof key === 'string') return parseRsaPublicKey(key);
  return checkRsa(key.type === 'private' ? createPublicKey(key) : key);
}

/** A private key as a KeyObject, PEM, or the bare base64 of PKCS#8 DER (what Java's PKCS8EncodedKeySpec takes). */
export function toRsaPrivateKey(key: KeyObject | string): KeyObject {
  if (typeof key !== 'string') {
    if (key.type !== 'private') throw invalidKey(`expected a private key, got a ${key.type} key`);
    return checkRsa(key);
  }
  const trimmed = key.trim();
  try {
    return checkRsa(
      trimmed.startsWith('-----BEGIN')
        ? createPrivateKey(trimmed)
        : createPrivateKey({ key: decodeBase64Strict(trimmed.replace(/\s+/g, '')), format: 'der', type: 'pkcs8' }),
    );
  } catch (error) {
    if (error instanceof FacegateError) throw error;
    throw invalidKey('not a private key (expected PEM or base64 PKCS#8 DER)');
  }
}

/** First 8 bytes of SHA-256 over the SPKI DER of the public key: what a browser can compute from /api/v1/pub_key with one digest. */
export function publicKeyFingerprint(key: KeyObject): Uint8Array {
  const spki = toRsaPublicKey(key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(createHash('sha256').update(spki).digest().subarray(0, 8));
}

function parsePem(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch {
    throw invalidKey('the PEM does not hold a readable public key');
  }
}

function parseBase64Der(text: string): KeyObject {
  const der = decodeBase64Strict(text.replace(/\s+/g, ''));
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      return createPublicKey({ key: der, format: 'der', type });
    } catch {
      // Try the next encoding; both failing is reported below.
    }
  }
  throw invalidKey('expected a PEM public key or the base64 of an SPKI or PKCS#1 DER public key');
}

function decodeBase64Strict(text: string): Buffer {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) throw invalidKey('not PEM and not valid base64');
  return Buffer.from(text, 'base64');
}

function checkRsa(key: KeyObject): KeyObject {
  // 'rsa-pss' keys are restricted to signing and cannot do OAEP, so only plain 'rsa' is accepted.
  if (key.asymmetricKeyType !== 'rsa') throw invalidKey(`expected an RSA key, got ${key.asymmetricKeyType ?? 'a non-asymmetric key'}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS) throw invalidKey(`RSA key of ${bits} bits is too short; at least ${MIN_MODULUS_BITS} bits are required`);
  return key;
}

function invalidKey(reason: string): FacegateError {
  return new FacegateError('ERROR_INVALID_ARGUMENT', `invalid RSA key: ${reason}`);
}
