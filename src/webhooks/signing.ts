/**
 * Webhook signatures: HMAC-SHA256 over `${timestamp}.${body}` with the
 * delivery's secret. The timestamp is signed too, so a captured request cannot
 * be replayed later than the receiver's tolerance.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_HEADERS = {
  event: 'x-facegate-event',
  delivery: 'x-facegate-delivery',
  timestamp: 'x-facegate-timestamp',
  signature: 'x-facegate-signature',
} as const;

const SIGNATURE = /^v1=([0-9a-f]{64})$/;
const TIMESTAMP = /^[0-9]{1,12}$/;

/** Lowercase hex HMAC-SHA256(secret, `${timestamp}.${body}`); `timestamp` in unix seconds. */
export function signWebhook(secret: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The headers of one attempt; the body is the delivery's payload as is. */
export function webhookHeaders(
  delivery: { id: string; event: string; payload: string; secret: string },
  timestamp: number,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    [WEBHOOK_HEADERS.event]: delivery.event,
    [WEBHOOK_HEADERS.delivery]: delivery.id,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: `v1=${signWebhook(delivery.secret, timestamp, delivery.payload)}`,
  };
}

/** A fetch `Headers`, or Node's `request.headers` (lowercase names). */
export type ReceivedHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** How far the timestamp may be from `now`, either way; default 300. */
  toleranceSeconds?: number;
  /** Milliseconds since the epoch; default Date.now(). */
  now?: number;
}

/**
 * True when the request carries a v1 signature of exactly this body by this
 * secret, with a timestamp within the tolerance. Pass the raw body as received:
 * re-serialised JSON would not match.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: ReceivedHeaders,
  body: string | Uint8Array,
  options: VerifyOptions = {},
): boolean {
  const timestamp = header(headers, WEBHOOK_HEADERS.timestamp);
  const signature = SIGNATURE.exec(header(headers, WEBHOOK_HEADERS.signature) ?? '');
  if (timestamp === undefined || !TIMESTAMP.test(timestamp) || signature === null) return false;
  const nowSeconds = (options.now ?? Date.now()) / 1000;
  if (Math.abs(nowSeconds - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), body), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature[1], 'hex'));
}

function header(headers: ReceivedHeaders, name: string): string | undefined {
  const value = headers instanceof Headers ? headers.get(name) ?? undefined : headers[name];
  return Array.isArray(value) ? undefined : value;
}
