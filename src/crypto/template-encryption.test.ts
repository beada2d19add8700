import assert from 'node:assert/strict';
import { constants, createDecipheriv, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { test } from 'node:test';
import { FacegateError } from '../core/errors.js';
import { decryptTemplate, encryptTemplate, parseRsaPublicKey } from './template-encryption.js';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
const template = new TextEncoder().encode('a face template or a cropped ICAO image');

test('the spec\'s algorithm choices decrypt it: key1 = OAEP-SHA1(AES key), key2 = OAEP-SHA1(IV), data = GCM ciphertext | 128-bit tag', () => {
  const encrypted = encryptTemplate(template, publicPem);
  // Written from the spec's Java (RSA/ECB/OAEPWithSHA1AndMGF1Padding, AES/GCM/NoPadding, GCMParameterSpec(128, iv)), not from the module.
  const oaepSha1 = { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' };
  const key = privateDecrypt(oaepSha1, Buffer.from(encrypted.key1, 'base64'));
  const iv = privateDecrypt(oaepSha1, Buffer.from(encrypted.key2, 'base64'));
  assert.equal(key.length, 32);
  assert.equal(iv.length, 12);
  const data = Buffer.from(encrypted.data, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(data.subarray(data.length - 16));
  assert.deepEqual(new Uint8Array(Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()])), template);
  assert.throws(() => privateDecrypt({ ...oaepSha1, oaepHash: 'sha256' }, Buffer.from(encrypted.key1, 'base64')), Error, 'not SHA-256 OAEP');
});

test('WebCrypto RSA-OAEP with SHA-1 (which also fixes MGF1 to SHA-1) unwraps the keys too', async () => {
  const encrypted = encryptTemplate(template, publicKey);
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const rsa = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSA-OAEP', hash: 'SHA-1' }, false, ['decrypt']);
  const key = await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, rsa, Buffer.from(encrypted.key1, 'base64'));
  assert.equal(key.byteLength, 32);
});

test('decryptTemplate round-trips with a fresh key and IV per template', () => {
  const a = encryptTemplate(template, publicKey);
  const b = encryptTemplate(template, publicKey);
  assert.notEqual(a.data, b.data);
  assert.notEqual(a.key1, b.key1);
  assert.notEqual(a.key2, b.key2);
  assert.deepEqual(decryptTemplate(a, privateKey), template);
  const pkcs8Base64 = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  assert.deepEqual(decryptTemplate(b, pkcs8Base64), template, 'the base64 PKCS#8 form Java\'s stringToPrivateKey takes');
});

test('altered data or another private key fail with ERROR_DECRYPTION_FAILED', () => {
  const encrypted = encryptTemplate(template, publicKey);
  const data = Buffer.from(encrypted.data, 'base64');
  data[0] ^= 1;
  const isDecryptionFailed = (e: unknown) => e instanceof FacegateError && e.numericCode === 601;
  assert.throws(() => decryptTemplate({ ...encrypted, data: data.toString('base64') }, privateKey), isDecryptionFailed);
  assert.throws(() => decryptTemplate({ ...encrypted, key1: encrypted.key2 }, privateKey), isDecryptionFailed);
  assert.throws(() => decryptTemplate({ ...encrypted, data: '' }, privateKey), isDecryptionFailed);
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  assert.throws(() => decryptTemplate(encrypted, other), isDecryptionFailed);
});

test('parseRsaPublicKey takes PEM or bare base64, SPKI or PKCS#1', () => {
  const spkiDer = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const pkcs1Der = publicKey.export({ format: 'der', type: 'pkcs1' }).toString('base64');
  const forms = [
    publicPem,
    publicKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
    spkiDer,
    pkcs1Der,
    `  ${spkiDer.replace(/(.{64})/g, '$1\n')}\n`,
  ];
  for (const form of forms) assert.ok(parseRsaPublicKey(form).equals(publicKey), form.slice(0, 40));
});

test('parseRsaPublicKey refuses private keys, other key types, short keys and garbage', () => {
  const refuses = (text: string, message: RegExp) =>
    assert.throws(() => parseRsaPublicKey(text), (e: unknown) => e instanceof FacegateError && e.code === 'ERROR_INVALID_ARGUMENT' && message.test(e.message));
  refuses(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), /private key/);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  refuses(ec.export({ format: 'pem', type: 'spki' }).toString(), /expected an RSA key, got ec/);
  const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  refuses(short.export({ format: 'der', type: 'spki' }).toString('base64'), /1024 bits is too short/);
  refuses('<REPLACE_BY_YOUR_PUBLIC_RSA_2048_KEY>', /not PEM and not valid base64/);
  refuses('AAAA', /expected a PEM public key or the base64/);
  refuses('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', /PEM does not hold/);
});
