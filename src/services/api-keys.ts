/** API keys: UUIDs handed out once, stored as sha256 hashes, with permissions (spec 000 §2.1). */
import { createHash, randomUUID } from 'node:crypto';
import { FacegateError } from '../core/errors.js';
import { WILDCARD, parsePermissions } from '../core/permissions.js';
import type { ApiKeyRecord, Store } from '../store/types.js';

export const hashApiKey = (key: string): string => createHash('sha256').update(key.trim().toLowerCase()).digest('hex');

export async function createApiKey(store: Store, input: { name: string; permissions: readonly string[] }): Promise<{ key: string; record: ApiKeyRecord }> {
  if (!input.name.trim()) throw new FacegateError('ERROR_INVALID_ARGUMENT', 'an API key needs a name');
  let permissions: string[];
  try {
    permissions = parsePermissions(input.permissions);
  } catch (err) {
    throw new FacegateError('ERROR_INVALID_ARGUMENT', (err as Error).message);
  }
  if (permissions.length === 0) throw new FacegateError('ERROR_INVALID_ARGUMENT', 'an API key needs at least one permission');
  const key = randomUUID();
  const record = await store.createApiKey({ id: randomUUID(), name: input.name.trim(), keyHash: hashApiKey(key), permissions });
  return { key, record };
}

/** Makes sure the configured bootstrap key exists with every permission; idempotent across restarts. */
export async function ensureBootstrapKey(store: Store, key: string): Promise<void> {
  if (await store.findApiKeyByHash(hashApiKey(key))) return;
  await store.createApiKey({ id: randomUUID(), name: 'bootstrap (FACEGATE_BOOTSTRAP_API_KEY)', keyHash: hashApiKey(key), permissions: [WILDCARD] });
}

/**
 * Looks keys up with a short cache so each request does not hit the store.
 * A key revoked by another process (the CLI) stops working within `ttlMs`.
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { record: ApiKeyRecord | null; until: number }>();

  constructor(private readonly store: Store, private readonly ttlMs = 5000) {}

  async authenticate(key: string): Promise<ApiKeyRecord | null> {
    const hash = hashApiKey(key);
    const hit = this.cache.get(hash);
    if (hit && hit.until > Date.now()) return hit.record;
    const record = await this.store.findApiKeyByHash(hash);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { record, until: Date.now() + this.ttlMs });
    return record;
  }

  forget(): void {
    this.cache.clear();
  }
}
