/**
 * Configuration from environment variables, validated once. Every variable is
 * documented in the README; a bad value stops the process with a message that
 * names the variable.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FacegateError } from './core/errors.js';
import { LIVENESS_LEVELS, isLivenessLevel, type LivenessLevel } from './core/liveness.js';

/** The repository (or installed package) root, where packs/ lives. */
export const INSTALL_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_PACK_DIR = resolve(INSTALL_ROOT, 'packs', 'default');

export interface EngineConfig {
  /** FACEGATE_MODEL_PACK: directory with manifest.json, calibration.json and the model files. */
  packDir: string;
  /** FACEGATE_WORKERS: inference worker threads (default: one per core). */
  workers: number;
  /** FACEGATE_MAX_QUEUE: requests that may wait for a worker before "overloaded" (default 32 per worker). */
  maxQueue: number;
}

type Env = Record<string, string | undefined>;

export function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new FacegateError('ERROR_INVALID_ARGUMENT', `${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function booleanFlag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new FacegateError('ERROR_INVALID_ARGUMENT', `${name} must be true or false, got "${env[name]}"`);
  return raw === 'true';
}

export function loadEngineConfig(env: Env = process.env): EngineConfig {
  const workers = positiveInt(env, 'FACEGATE_WORKERS', availableParallelism());
  return {
    packDir: resolve(env.FACEGATE_MODEL_PACK || DEFAULT_PACK_DIR),
    workers,
    maxQueue: positiveInt(env, 'FACEGATE_MAX_QUEUE', workers * 32),
  };
}

export interface ServerConfig extends EngineConfig {
  /** FACEGATE_HOST / FACEGATE_PORT: where the HTTP server listens (default 0.0.0.0:8080). */
  host: string;
  port: number;
  /** FACEGATE_DATA_DIR: SQLite file, key files (default ./data under the working directory). */
  dataDir: string;
  /** DATABASE_URL: postgres://… to use PostgreSQL instead of the embedded SQLite file. */
  databaseUrl: string | undefined;
  /** FACEGATE_DATA_KEY: base64 AES-256 key for templates and photos at rest (default: generated into the data dir). */
  dataKey: string | undefined;
  /** FACEGATE_BOOTSTRAP_API_KEY: a UUID the server ensures as an all-permissions key at start. */
  bootstrapApiKey: string | undefined;
  /** TEMPLATE_ENCRYPTION_ENABLED + TEMPLATE_ENCRYPTION_KEY (spec 002): RSA public key for encrypted_templates. */
  templateEncryptionKey: string | undefined;
  /** FACEGATE_BODY_LIMIT_MB: largest request body (default 48: two 15 MB images in base64 JSON). */
  bodyLimitBytes: number;
  /** FACEGATE_RATE_LIMIT: requests per minute per API key (or per IP without one); default 1200. */
  rateLimitPerMinute: number;
  /** FACEGATE_LIVENESS_LEVEL: level used when a request names none (default MODERATE). */
  defaultLivenessLevel: LivenessLevel;
  /** FACEGATE_CAPTURE_LIVENESS_LEVEL: level of the hosted capture page's flows (default HIGH: an active challenge). */
  captureLivenessLevel: LivenessLevel;
  /** FACEGATE_CHALLENGE_SECONDS, FACEGATE_LIVENESS_LOCKOUT_ATTEMPTS, FACEGATE_LIVENESS_LOCKOUT_MINUTES: active challenge lifetime (90 s) and lockout (5 failed attempts in 3 minutes). */
  challenges: { lifetimeMs: number; lockoutAttempts: number; lockoutWindowMs: number };
  /** FACEGATE_HNSW_THRESHOLD: gallery size from which 1:N search uses the HNSW index (default 20000). */
  hnswThreshold: number;
  /** FACEGATE_INDEX_SNAPSHOTS: keep sealed snapshots of graph indexes in <data dir>/indexes for fast starts (default true). */
  indexSnapshots: boolean;
  /** FACEGATE_INDEX_SYNC_MS: how often search indexes pick up enrollments other servers wrote to the same database (default 1000). */
  indexSyncMs: number;
  /** LOG_LEVEL: pino level (default info). */
  logLevel: string;
  /** FACEGATE_PUBLIC_URL: base of the links handed out (capture pages); default: the request's own scheme and host. */
  publicUrl: string | undefined;
  /** FACEGATE_SESSION_MINUTES: lifetime of a capture session (default 15). */
  sessionLifetimeMs: number;
  /** FACEGATE_TLS_*: HTTPS and mTLS (docs/tls.md); undefined serves plain HTTP. */
  tls: TlsConfig | undefined;
}

/** `require`: no handshake without a client certificate; `request`: routes marked clientCertOptional are open to everyone. */
export type ClientCertificateMode = 'require' | 'request';

export interface TlsConfig {
  /** FACEGATE_TLS_CERT and FACEGATE_TLS_KEY, read once: replacing the files takes a restart. */
  certificatePem: Buffer;
  privateKeyPem: Buffer;
  /** FACEGATE_TLS_CLIENT_CA and FACEGATE_TLS_CLIENT_CERT (default require). */
  clientCa: { certificatesPem: Buffer; mode: ClientCertificateMode } | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const invalid = (message: string) => new FacegateError('ERROR_INVALID_ARGUMENT', message);

/** FACEGATE_DATA_DIR, default ./data; `facegate tls` keeps its files under it too. */
export const dataDirFrom = (env: Env): string => resolve(env.FACEGATE_DATA_DIR || 'data');

function readPemFile(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw invalid(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function parsed<T>(name: string, path: string, what: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw invalid(`${name}: ${path} is not ${what} (${(err as Error).message})`);
  }
}

function loadTlsConfig(env: Env): TlsConfig | undefined {
  const certPath = env.FACEGATE_TLS_CERT || undefined;
  const keyPath = env.FACEGATE_TLS_KEY || undefined;
  const caPath = env.FACEGATE_TLS_CLIENT_CA || undefined;
  const mode = env.FACEGATE_TLS_CLIENT_CERT || undefined;
  if (mode !== undefined && mode !== 'require' && mode !== 'request') throw invalid(`FACEGATE_TLS_CLIENT_CERT must be require or request, got "${mode}"`);
  if (mode && !caPath) throw invalid('FACEGATE_TLS_CLIENT_CERT needs FACEGATE_TLS_CLIENT_CA, the CA that signs client certificates');
  if (!certPath && !keyPath) {
    if (caPath) throw invalid('FACEGATE_TLS_CLIENT_CA needs FACEGATE_TLS_CERT and FACEGATE_TLS_KEY: client certificates are only checked over HTTPS');
    return undefined;
  }
  if (!certPath || !keyPath) throw invalid(`set both FACEGATE_TLS_CERT and FACEGATE_TLS_KEY or neither; ${certPath ? 'FACEGATE_TLS_KEY' : 'FACEGATE_TLS_CERT'} is missing`);
  const certificatePem = readPemFile('FACEGATE_TLS_CERT', certPath);
  const privateKeyPem = readPemFile('FACEGATE_TLS_KEY', keyPath);
  const certificate = parsed('FACEGATE_TLS_CERT', certPath, 'a PEM certificate', () => new X509Certificate(certificatePem));
  const privateKey = parsed('FACEGATE_TLS_KEY', keyPath, 'an unencrypted PEM private key', () => createPrivateKey(privateKeyPem));
  if (!certificate.checkPrivateKey(privateKey)) throw invalid(`FACEGATE_TLS_KEY: ${keyPath} is not the private key of the certificate in ${certPath}`);
  if (!caPath) return { certificatePem, privateKeyPem, clientCa: undefined };
  const certificatesPem = readPemFile('FACEGATE_TLS_CLIENT_CA', caPath);
  const ca = parsed('FACEGATE_TLS_CLIENT_CA', caPath, 'a PEM certificate', () => new X509Certificate(certificatesPem));
  if (!ca.ca) throw invalid(`FACEGATE_TLS_CLIENT_CA: ${caPath} is not a CA certificate (basicConstraints CA:TRUE); it must be the CA that signs client certificates`);
  return { certificatePem, privateKeyPem, clientCa: { certificatesPem, mode: mode ?? 'require' } };
}

export function loadServerConfig(env: Env = process.env): ServerConfig {
  const bootstrapApiKey = env.FACEGATE_BOOTSTRAP_API_KEY || undefined;
  if (bootstrapApiKey && !UUID.test(bootstrapApiKey)) throw invalid(`FACEGATE_BOOTSTRAP_API_KEY must be a UUID, got "${bootstrapApiKey}"`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw invalid('DATABASE_URL must start with postgres:// or postgresql://');
  const encryptionEnabled = booleanFlag(env, 'TEMPLATE_ENCRYPTION_ENABLED', false);
  if (encryptionEnabled && !env.TEMPLATE_ENCRYPTION_KEY) throw invalid('TEMPLATE_ENCRYPTION_ENABLED is true but TEMPLATE_ENCRYPTION_KEY (an RSA public key) is not set');
  const logLevel = env.LOG_LEVEL?.toLowerCase() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw invalid(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const livenessLevel = (name: string, fallback: LivenessLevel): LivenessLevel => {
    const value = env[name] || fallback;
    if (!isLivenessLevel(value)) throw invalid(`${name} must be one of ${LIVENESS_LEVELS.join(', ')}`);
    return value;
  };
  const port = positiveInt(env, 'FACEGATE_PORT', 8080);
  if (port > 65535) throw invalid('FACEGATE_PORT must be at most 65535');
  return {
    ...loadEngineConfig(env),
    host: env.FACEGATE_HOST || '0.0.0.0',
    port,
    dataDir: dataDirFrom(env),
    databaseUrl,
    dataKey: env.FACEGATE_DATA_KEY || undefined,
    bootstrapApiKey: bootstrapApiKey?.toLowerCase(),
    templateEncryptionKey: encryptionEnabled ? env.TEMPLATE_ENCRYPTION_KEY : undefined,
    bodyLimitBytes: positiveInt(env, 'FACEGATE_BODY_LIMIT_MB', 48) * 1024 * 1024,
    rateLimitPerMinute: positiveInt(env, 'FACEGATE_RATE_LIMIT', 1200),
    defaultLivenessLevel: livenessLevel('FACEGATE_LIVENESS_LEVEL', 'MODERATE'),
    captureLivenessLevel: livenessLevel('FACEGATE_CAPTURE_LIVENESS_LEVEL', 'HIGH'),
    challenges: {
      lifetimeMs: positiveInt(env, 'FACEGATE_CHALLENGE_SECONDS', 90) * 1000,
      lockoutAttempts: positiveInt(env, 'FACEGATE_LIVENESS_LOCKOUT_ATTEMPTS', 5),
      lockoutWindowMs: positiveInt(env, 'FACEGATE_LIVENESS_LOCKOUT_MINUTES', 3) * 60_000,
    },
    hnswThreshold: positiveInt(env, 'FACEGATE_HNSW_THRESHOLD', 20_000),
    indexSnapshots: booleanFlag(env, 'FACEGATE_INDEX_SNAPSHOTS', true),
    indexSyncMs: positiveInt(env, 'FACEGATE_INDEX_SYNC_MS', 1000),
    logLevel,
    publicUrl: env.FACEGATE_PUBLIC_URL?.replace(/\/+$/, '') || undefined,
    sessionLifetimeMs: positiveInt(env, 'FACEGATE_SESSION_MINUTES', 15) * 60_000,
    tls: loadTlsConfig(env),
  };
}
