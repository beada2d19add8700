/** In-process Facegate for HTTP tests: a temp data dir, SQLite, the real engine, a bootstrap admin key. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadServerConfig } from '../src/config.js';
import type { AppDeps } from '../src/http/context.js';
import { assembleApp, type AssembleOptions } from '../src/server.js';
import { DATASETS } from './datasets.js';

export interface TestApp {
  app: FastifyInstance;
  deps: AppDeps;
  adminKey: string;
  dataDir: string;
  request(options: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** `options`: a clock and seeded random for the liveness challenges, where a test needs them. */
export async function startTestApp(env: Record<string, string> = {}, options: Omit<AssembleOptions, 'logger'> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'facegate-http-'));
  const adminKey = randomUUID();
  const config = loadServerConfig({ FACEGATE_DATA_DIR: dataDir, FACEGATE_BOOTSTRAP_API_KEY: adminKey, FACEGATE_WORKERS: '2', LOG_LEVEL: 'silent', ...env });
  const { app, deps, release, indexesReady } = await assembleApp(config, { ...options, logger: false });
  await app.ready();
  await indexesReady;
  return {
    app,
    deps,
    adminKey,
    dataDir,
    request: ({ key, headers, ...options }) =>
      app.inject({ ...options, headers: { ...(key === null ? {} : { 'x-api-key': key ?? adminKey }), ...headers } }),
    close: async () => {
      await app.close();
      await release();
    },
  };
}

export const datasetBase64 = (relative: string): string => readFileSync(join(DATASETS, relative)).toString('base64');

/** A multipart/form-data body (light-my-request has no FormData support). */
export function multipart(fields: Record<string, string | { data: Uint8Array; filename: string; contentType: string }>): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----facegate${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    } else {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.filename}"\r\nContent-Type: ${value.contentType}\r\n\r\n`));
      parts.push(Buffer.from(value.data), Buffer.from('\r\n'));
    }
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
