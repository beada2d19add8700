/**
 * The encrypted capture blob, byte for byte as docs/encryption.md ("Capture
 * blobs") lays it out and src/crypto/capture-blob.ts opens it: WebCrypto only.
 */

export interface CaptureKey {
  rsaKey: CryptoKey;
  /** First 8 bytes of SHA-256 over the SPKI DER. */
  keyId: Uint8Array;
}

const MAGIC = [0x46, 0x47, 0x43, 0x42]; // "FGCB"

/** `spkiBase64`: the server public key from /api/v1/pub_key (`spki`). */
export async function importCaptureKey(spkiBase64: string): Promise<CaptureKey> {
  const { subtle } = globalThis.crypto;
  const spki = Uint8Array.from(atob(spkiBase64), (c) => c.charCodeAt(0));
  const rsaKey = await subtle.importKey('spki', spki, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
  const keyId = new Uint8Array(await subtle.digest('SHA-256', spki)).slice(0, 8);
  return { rsaKey, keyId };
}

type CaptureMime = 'image/jpeg' | 'image/png' | 'image/webp';

interface CaptureHeader {
  capturedAt: number;
  mime: CaptureMime;
  metadata: Record<string, unknown>;
}

/** What a capture that answers an active-liveness challenge adds: version 2 of the blob. */
export interface ChallengeResponse {
  challenge: { id: string; nonce: string };
  keyFrames: { step: string; seq: number; mime: CaptureMime; image: Uint8Array }[];
}

export async function createCaptureBlob(image: Uint8Array, header: CaptureHeader, key: CaptureKey, response?: ChallengeResponse): Promise<Uint8Array<ArrayBuffer>> {
  const keyFrames = response?.keyFrames ?? [];
  const fields = response
    ? { v: 2, ...header, challenge: response.challenge, keyFrames: keyFrames.map(({ step, seq, mime, image: bytes }) => ({ step, seq, mime, length: bytes.length })) }
    : { v: 1, ...header };
  const headerBytes = new TextEncoder().encode(JSON.stringify(fields));
  const parts = [image, ...keyFrames.map((f) => f.image)];
  const payload = new Uint8Array(4 + headerBytes.length + parts.reduce((sum, p) => sum + p.length, 0));
  new DataView(payload.buffer).setUint32(0, headerBytes.length);
  payload.set(headerBytes, 4);
  let offset = 4 + headerBytes.length;
  for (const part of parts) {
    payload.set(part, offset);
    offset += part.length;
  }
  return sealCapture(payload, key, fields.v);
}

/** Seals a payload as it is (the server's tests use it to send malformed ones). */
export async function sealCapture(payload: Uint8Array<ArrayBuffer>, { rsaKey, keyId }: CaptureKey, version = 1): Promise<Uint8Array<ArrayBuffer>> {
  const { subtle } = globalThis.crypto;
  const aesKey = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  const rawAesKey = await subtle.exportKey('raw', aesKey);
  const wrappedKey = new Uint8Array(await subtle.encrypt({ name: 'RSA-OAEP' }, rsaKey, rawAesKey));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));

  const clear = new Uint8Array(15 + wrappedKey.length + 12);
  clear.set([...MAGIC, version]);
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
