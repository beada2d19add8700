/**
 * Spec 004 request signing: hex HMAC-SHA256, with the client's secret, over
 * `METHOD\npath\nquery\nx-auth-client\ncontent-type\nbody`, exactly as the
 * spec's JavaScript builds it (query = URLSearchParams.toString() of the URL).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequestParts {
  method: string;
  /** Path and query as sent, e.g. "/api/v1/session?x=1". */
  url: string;
  authClient: string;
  contentType: string;
  body: string;
}

export function requestSignatureBase(parts: SignedRequestParts): string {
  const parsed = new URL(parts.url, 'http://placeholder');
  return `${parts.method}\n${parsed.pathname}\n${parsed.searchParams.toString()}\n${parts.authClient}\n${parts.contentType}\n${parts.body}`;
}

export function signRequest(parts: SignedRequestParts, secret: string): string {
  return createHmac('sha256', secret).update(requestSignatureBase(parts)).digest('hex');
}

/** Constant-time check of a hex signature. */
export function requestSignatureMatches(parts: SignedRequestParts, secret: string, signature: string): boolean {
  const expected = Buffer.from(signRequest(parts, secret), 'hex');
  const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
