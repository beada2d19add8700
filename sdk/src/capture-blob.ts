/**
 * The encrypted capture blob, byte for byte as docs/encryption.md ("Capture
 * blobs") lays it out and src/crypto/capture-blob.ts opens it: WebCrypto only.
 */

export interface CaptureKey {
  rsaKey: CryptoKey;
  /** First 8 bytes of SHA-256 over the SPKI DER. */
  keyId: Uint8Array;
}

const MAGIC_AND_VERSION = [0x46, 0x47, 0x43, 0x42, 1]; // "FGCB", version 1

/** `spkiBase64`: the server public key from /api/v1/pub_key (`spki`). */
export async function importCaptureKey(spkiBase64: string): Promise<CaptureKey> {
  const { subtle } = globalThis.crypto;
  const spki = Uint8Array.from(atob(spkiBase64), (c) => c.charCodeAt(0));
  const rsaKey = await subtle.importKey('spki', spki, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
  const keyId = new Uint8Array(await subtle.digest('SHA-256', spki)).slice(0, 8);
  return { rsaKey, keyId };
}

interface CaptureHeader {
  capturedAt: number;
  mime: 'image/jpeg' | 'image/png' | 'image/webp';
  metadata: Record<string, unknown>;
}

export async function createCaptureBlob(image: Uint8Array, header: CaptureHeader, key: CaptureKey): Promise<Uint8Array<ArrayBuffer>> {
  const headerBytes = new TextEncoder().encode(JSON.stringify({ v: 1, ...header }));
  const payload = new Uint8Array(4 + headerBytes.length + image.length);
  new DataView(payload.buffer).setUint32(0, headerBytes.length);
  payload.set(headerBytes, 4);
  payload.set(image, 4 + headerBytes.length);
  return sealCapture(payload, key);
}

/** Seals a payload as it is (the server's tests use it to send malformed ones). */
export async function sealCapture(payload: Uint8Array<ArrayBuffer>, { rsaKey, keyId }: CaptureKey): Promise<Uint8Array<ArrayBuffer>> {
  const { subtle } = globalThis.crypto;
  const aesKey = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  const rawAesKey = await subtle.exportKey('raw', aesKey);
  const wrappedKey = new Uint8Array(await subtle.encrypt({ name: 'RSA-OAEP' }, rsaKey, rawAesKey));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));

  const clear = new Uint8Array(15 + wrappedKey.length + 12);
  clear.set(MAGIC_AND_VERSION);
  clear.set(keyId, 5);
  new DataView(clear.buffer).setUint16(13, wrappedKey.length);
  clear.set(wrappedKey, 15);
  clear.set(iv, 15 + wrappedKey.length);

  // The clear part is the GCM additional data, so none of its bytes can change unnoticed.
  const encrypted = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: clear }, aesKey, payload));
  const blob = new Uint8Array(clear.length + encrypted.length);
  blob.set(clear);
  blob.set(encrypted, clear.length);
  return blob;
}
