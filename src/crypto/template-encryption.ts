/**
 * Spec 002 "Encrypting Generated Templates" (TEMPLATE_ENCRYPTION_ENABLED,
 * TEMPLATE_ENCRYPTION_KEY, the `encrypted_templates` block of /process).
 *
 * Every template gets a fresh AES-256 key and 12-byte IV. `data` is the
 * AES/GCM/NoPadding output (ciphertext with the 128-bit tag appended), `key1`
 * the RSA-encrypted AES key and `key2` the RSA-encrypted IV, both with
 * RSA/ECB/OAEPWithSHA1AndMGF1Padding (OAEP with SHA-1 and MGF1-SHA-1), so the
 * spec's Java decryption snippet reads them unchanged.
 */
import { constants, createCipheriv, createDecipheriv, KeyObject, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { FacegateError } from '../core/errors.js';
import { toRsaPrivateKey, toRsaPublicKey } from './rsa-keys.js';

export { parseRsaPublicKey } from './rsa-keys.js';

export interface EncryptedTemplate {
  /** base64(AES-256-GCM ciphertext | 16-byte tag) */
  data: string;
  /** base64(RSA-OAEP-SHA1(AES key)) */
  key1: string;
  /** base64(RSA-OAEP-SHA1(IV)) */
  key2: string;
}

const AES_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function encryptTemplate(plaintext: Uint8Array, publicKey: KeyObject | string): EncryptedTemplate {
  const key = toRsaPublicKey(publicKey);
  const aesKey = randomBytes(AES_KEY_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
  const data = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return {
    data: data.toString('base64'),
    key1: rsaOaepSha1Encrypt(key, aesKey),
    key2: rsaOaepSha1Encrypt(key, iv),
  };
}

/** The spec's Java decryption, step for step: key from key1, IV from key2, then AES/GCM/NoPadding with a 128-bit tag. */
export function decryptTemplate(encrypted: EncryptedTemplate, privateKey: KeyObject | string): Uint8Array {
  const key = toRsaPrivateKey(privateKey);
  const data = Buffer.from(encrypted.data, 'base64');
  if (data.length < TAG_BYTES) throw new FacegateError('ERROR_DECRYPTION_FAILED', 'encrypted template data is shorter than its GCM tag');
  try {
    const aesKey = rsaOaepSha1Decrypt(key, encrypted.key1);
    const iv = rsaOaepSha1Decrypt(key, encrypted.key2);
    const decipher = createDecipheriv('aes-256-gcm', aesKey, iv);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return new Uint8Array(Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]));
  } catch {
    throw new FacegateError('ERROR_DECRYPTION_FAILED', 'encrypted template does not decrypt with this private key (altered, or encrypted for another key)');
  }
}

function rsaOaepSha1Encrypt(key: KeyObject, plaintext: Uint8Array): string {
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, plaintext).toString('base64');
}

function rsaOaepSha1Decrypt(key: KeyObject, base64: string): Buffer {
  return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(base64, 'base64'));
}
