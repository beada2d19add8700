/**
 * The server's key material, kept in `${dataDir}/keys`:
 *
 * - `data.key`: the 32-byte at-rest key (base64), unless FACEGATE_DATA_KEY gives it;
 * - `capture-rsa.pem`: the RSA private key (PKCS#8) whose public half is
 *   published at /api/v1/pub_key for capture blobs.
 *
 * Both are generated on first start. A server and the CLI may start together on
 * a fresh data dir, so each file is published with link(2), which fails when the
 * file already exists: exactly one process wins, and the others read the
 * winner's complete file instead of replacing it with a different key.
 */
import { fsyncPath, isErrno } from '../store/files.js';
import { facemapKey } from './facemap.js';
import { createPrivateKey, createPublicKey, generateKeyPair, KeyObject, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { FacegateError } from '../core/errors.js';
import { publicKeyFingerprint, toRsaPrivateKey } from './rsa-keys.js';

const DATA_KEY_BYTES = 32;
const RSA_MODULUS_BITS = 3072;

export interface ServerKeys {
  dataKey: Uint8Array;
  rsaPrivateKey: KeyObject;
  rsaPublicKey: KeyObject;
  publicKeyPem: string;
  publicKeySpkiDerBase64: string;
  /** Hex of the first 8 bytes of SHA-256(SPKI DER); capture blobs carry it to say which key they were made for. */
  keyId: string;
  /** Ed25519 key that signs result manifests (dossier zips); separate from the RSA key, which only decrypts. */
  signingPrivateKey: KeyObject;
  signingPublicKeyPem: string;
  /** Seals facemaps (spec 003); derived from the data key once here rather than per request. */
  facemapKey: Buffer;
}

export interface ServerKeyOptions {
  /** FACEGATE_DATA_KEY (base64 of 32 bytes); when given, data.key is neither read nor created. */
  dataKey?: string;
}

export async function loadOrCreateServerKeys(dataDir: string, options: ServerKeyOptions = {}): Promise<ServerKeys> {
  const keysDir = join(dataDir, 'keys');
  await ensurePrivateDir(keysDir);

  const dataKeyFile = join(keysDir, 'data.key');
  const dataKey =
    options.dataKey !== undefined && options.dataKey !== ''
      ? parseDataKey(options.dataKey, 'FACEGATE_DATA_KEY')
      : parseDataKey(await readOrCreate(dataKeyFile, async () => `${randomBytes(DATA_KEY_BYTES).toString('base64')}\n`), dataKeyFile);

  const rsaKeyFile = join(keysDir, 'capture-rsa.pem');
  const rsaPrivateKey = parseRsaPrivateKeyFile(await readOrCreate(rsaKeyFile, generateRsaPem), rsaKeyFile);
  const rsaPublicKey = createPublicKey(rsaPrivateKey);
  const signingKeyFile = join(keysDir, 'signing-ed25519.pem');
  const signingPrivateKey = createPrivateKey(await readOrCreate(signingKeyFile, generateEd25519Pem));
  return {
    signingPrivateKey,
    signingPublicKeyPem: createPublicKey(signingPrivateKey).export({ format: 'pem', type: 'spki' }).toString(),
    dataKey,
    facemapKey: facemapKey(dataKey),
    rsaPrivateKey,
    rsaPublicKey,
    publicKeyPem: rsaPublicKey.export({ format: 'pem', type: 'spki' }).toString(),
    publicKeySpkiDerBase64: rsaPublicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    keyId: Buffer.from(publicKeyFingerprint(rsaPublicKey)).toString('hex'),
  };
}

async function ensurePrivateDir(dir: string): Promise<void> {
  // mkdir returns the first directory it created; only a directory we created gets its mode forced.
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined) await chmod(dir, 0o700);
}

async function readOrCreate(path: string, generate: () => Promise<string>): Promise<string> {
  const existing = await readIfExists(path);
  if (existing !== null) return existing;

  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(await generate());
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    // Without it a crash right after first start could lose the new key's directory entry, and with it every sealed record.
    await fsyncPath(dirname(path));
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  } finally {
    await unlink(temp);
  }
  return readFile(path, 'utf8');
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  }
}


async function generateEd25519Pem(): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('ed25519');
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

async function generateRsaPem(): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: RSA_MODULUS_BITS });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

function parseDataKey(text: string, source: string): Uint8Array {
  const trimmed = text.trim();
  const isBase64 = /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) && trimmed.length % 4 === 0;
  const bytes = isBase64 ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (bytes.length !== DATA_KEY_BYTES) {
    // The value is a secret, so the message describes it without echoing it.
    throw new FacegateError(
      'ERROR_INVALID_ARGUMENT',
      `${source} must be the base64 of ${DATA_KEY_BYTES} random bytes (44 characters, e.g. \`openssl rand -base64 32\`), got ${isBase64 ? `${bytes.length} bytes` : 'text that is not base64'}`,
    );
  }
  return new Uint8Array(bytes);
}

function parseRsaPrivateKeyFile(pem: string, path: string): KeyObject {
  try {
    return toRsaPrivateKey(createPrivateKey(pem));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FacegateError('ERROR_INVALID_ARGUMENT', `${path} is not a usable RSA private key (${reason}); restore it, or delete it to generate a new pair (clients then fetch /api/v1/pub_key again)`);
  }
}

