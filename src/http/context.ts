/** What the HTTP layer is given, and what it attaches to each request. */
import type { KeyObject } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config.js';
import type { Permission } from '../core/permissions.js';
import type { ServerKeys } from '../crypto/server-keys.js';
import type { FaceEngine } from '../engine/engine.js';
import type { ApiKeyAuthenticator } from '../services/api-keys.js';
import type { CallFacts } from '../services/enrollment.js';
import type { GalleryIndexes } from '../services/gallery-indexes.js';
import type { LivenessChallenges } from '../services/liveness-challenges.js';
import type { ApiKeyRecord, Store, TransactionRecord } from '../store/types.js';
import type { WebhookDispatcher } from '../webhooks/dispatcher.js';

export interface AppDeps {
  config: ServerConfig;
  engine: FaceEngine;
  store: Store;
  keys: ServerKeys;
  indexes: GalleryIndexes;
  authenticator: ApiKeyAuthenticator;
  webhooks: WebhookDispatcher;
  challenges: LivenessChallenges;
  templateEncryptionKey?: KeyObject;
}

export interface AuditState {
  refid: string;
  startedAt: number;
  facts: CallFacts;
  /** The error code the call ended with, set by sendError: the transaction log's result. */
  failure?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyRecord;
    audit?: AuditState;
  }
  interface FastifyContextConfig {
    /** The permission a route needs; routes without one are public. */
    permission?: Permission;
    /** `sdk` / `backoffice` routes also accept any key of that context (handshake). */
    anyOf?: 'sdk' | 'backoffice';
    /** Opened by end users' browsers (capture page, SDK) or health probes, which hold no client certificate: mTLS request mode serves them without one. */
    clientCertOptional?: true;
    /** Refid action (spec 002 refid format) and transaction-log context; routes without it are not logged. */
    audit?: { action: string; context: TransactionRecord['context'] };
  }
}

/** Base of the links the server hands out: FACEGATE_PUBLIC_URL, else the request's own scheme and host. */
export function publicBaseUrl(deps: AppDeps, request: FastifyRequest): string {
  return deps.config.publicUrl ?? `${request.protocol}://${request.host}`;
}
