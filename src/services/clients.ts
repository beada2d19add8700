/**
 * Verification clients: the `x-auth-client` + secret pairs that sign session
 * requests (spec 004) and the API token + secret of Basic auth (spec 003).
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { FacegateError } from '../core/errors.js';
import { requestSignatureMatches, type SignedRequestParts } from '../core/request-signature.js';
import type { Store } from '../store/types.js';
import type { VerificationClient } from '../store/verification-types.js';

/** Signatures are remembered this long: the same signed request is refused as a replay within it. */
const REPLAY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A signed body may carry `timestamp` (epoch ms); it must be this close to the server's clock. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export async function createClient(store: Store, input: { name: string; galleryName?: string | null; callbackUrl?: string | null }): Promise<{ client: VerificationClient; secret: string }> {
  if (!input.name?.trim()) throw new FacegateError('ERROR_INVALID_ARGUMENT', 'a client needs a name');
  if (input.galleryName && !(await store.getGallery(input.galleryName))) throw new FacegateError('ERROR_GALLERY_NOT_FOUND', `gallery "${input.galleryName}" does not exist`);
  if (input.callbackUrl && !/^https?:\/\//.test(input.callbackUrl)) throw new FacegateError('ERROR_INVALID_ARGUMENT', 'callbackUrl must be an http(s) URL');
  const secret = randomBytes(32).toString('base64url');
  const client = await store.createClient({ id: randomUUID(), name: input.name.trim(), secret, galleryName: input.galleryName ?? null, callbackUrl: input.callbackUrl ?? null });
  return { client, secret };
}

const unauthorized = (message: string) => new FacegateError('ERROR_UNAUTHORIZED', message);

/** Spec 004: checks `x-auth-client` + `x-hmac-signature` over the exact request, its freshness and that it is not a replay. */
export async function authenticateSignedRequest(
  store: Store,
  request: Omit<SignedRequestParts, 'authClient'> & { authClient: unknown; signature: unknown },
  now: Date,
): Promise<VerificationClient & { secret: string }> {
  if (typeof request.authClient !== 'string' || !request.authClient) throw unauthorized('Missing x-auth-client header');
  if (typeof request.signature !== 'string' || !request.signature) throw unauthorized('Missing x-hmac-signature header');
  const client = await store.getClientWithSecret(request.authClient);
  if (!client) throw unauthorized('Unknown or revoked x-auth-client');
  if (!requestSignatureMatches({ ...request, authClient: request.authClient }, client.secret, request.signature)) {
    throw unauthorized('x-hmac-signature does not match: sign METHOD\\npath\\nquery\\nx-auth-client\\ncontent-type\\nbody with your secret (HMAC-SHA256, hex)');
  }
  const timestamp = bodyTimestamp(request.body);
  if (timestamp !== null && Math.abs(now.getTime() - timestamp) > MAX_CLOCK_SKEW_MS) {
    throw unauthorized(`Stale request: its timestamp is ${Math.round((now.getTime() - timestamp) / 1000)} s from the server's clock (at most ${MAX_CLOCK_SKEW_MS / 1000} s; GET /api/v1/time)`);
  }
  const fresh = await store.rememberSignature(client.id, request.signature.toLowerCase(), now, new Date(now.getTime() - REPLAY_WINDOW_MS));
  if (!fresh) throw unauthorized('Replayed request: this signature was already used; sign each request anew (vary the body, e.g. with a timestamp)');
  return client;
}

function bodyTimestamp(body: string): number | null {
  if (!body) return null;
  try {
    const parsed = JSON.parse(body) as { timestamp?: unknown };
    return typeof parsed.timestamp === 'number' ? parsed.timestamp : null;
  } catch {
    return null;
  }
}

/** Spec 003: HTTP Basic auth with the client id as user and its secret as password. */
export async function authenticateBasic(store: Store, authorization: unknown): Promise<VerificationClient & { secret: string }> {
  const match = typeof authorization === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization) : null;
  if (!match) throw unauthorized('Missing HTTP Basic credentials: use your API token as user and its secret as password');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const [user, password] = colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  const client = await store.getClientWithSecret(user);
  const digest = (s: string) => createHash('sha256').update(s).digest();
  if (!client || !timingSafeEqual(digest(password), digest(client.secret))) throw unauthorized('Wrong API token or secret');
  return client;
}
