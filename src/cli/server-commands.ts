/** CLI commands around the server and its data: serve, keys, galleries, blob. */
import { readFile, writeFile } from 'node:fs/promises';
import { dataDirFrom, loadServerConfig } from '../config.js';
import { loadOrCreateServerKeys } from '../crypto/server-keys.js';
import { FacegateError } from '../core/errors.js';
import { createCaptureBlob } from '../crypto/capture-blob.js';
import { sniffFormat } from '../engine/decode.js';
import { openData, startServer } from '../server.js';
import { createApiKey } from '../services/api-keys.js';
import { createClient } from '../services/clients.js';
import { createGallery } from '../services/galleries.js';
import type { Store } from '../store/types.js';

export interface CommandIo {
  opts: Record<string, string | boolean | undefined>;
  print: (value: unknown) => void;
  fail: (message: string) => never;
}

async function withStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
  const { store } = await openData(loadServerConfig());
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);

function booleanOption(value: string | boolean | undefined, name: string, io: CommandIo): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === 'false') return false;
  return io.fail(`--${name} must be true or false`);
}

export function serverCommands(io: CommandIo): Record<string, (args: string[]) => Promise<void>> {
  return {
    async serve() {
      const config = loadServerConfig();
      const server = await startServer(config);
      const key = config.bootstrapApiKey;
      const mode = config.tls?.clientCa?.mode;
      // The certificate `facegate tls init` makes is self-signed: curl must be told to trust it.
      const trust = config.tls ? ` --cacert ${process.env.FACEGATE_TLS_CERT}` : '';
      const curl = (needsClientCert: boolean) => `curl${trust}${needsClientCert && mode ? ' --cert client.crt --key client.key' : ''}`;
      process.stderr.write(
        `facegate listening on ${server.url}\n` +
          (mode ? `  mTLS:      ${mode === 'require' ? 'every request needs' : 'all but the capture page, its SDK and /api/v1/{face_health,time,pub_key,models} need'} a client certificate signed by FACEGATE_TLS_CLIENT_CA (docs/tls.md)\n` : '') +
          `  API docs:  ${server.url}/docs   OpenAPI: ${server.url}/openapi.json\n` +
          `  health:    ${curl(mode === 'require')} ${server.url}/api/v1/face_health\n` +
          (key ? `  try:       ${curl(true)} -H "x-api-key: ${key}" ${server.url}/admin/v1/galleries\n` : '  create an API key: npx facegate keys create --name me --permissions "*"\n'),
      );
    },

    async keys([action, id]) {
      await withStore(async (store) => {
        if (action === 'create') {
          const name = str(io.opts.name) ?? io.fail('keys create needs --name');
          const permissions = (str(io.opts.permissions) ?? io.fail('keys create needs --permissions, e.g. "sdk:*,backoffice:photo" or "*"')).split(',');
          const { key, record } = await createApiKey(store, { name, permissions });
          io.print({ key, id: record.id, name: record.name, permissions: record.permissions });
        } else if (action === 'list') {
          io.print((await store.listApiKeys()).map((k) => ({ id: k.id, name: k.name, permissions: k.permissions, createdAt: k.createdAt, revokedAt: k.revokedAt })));
        } else if (action === 'revoke') {
          if (!id) io.fail('usage: facegate keys revoke <id>');
          if (!(await store.revokeApiKey(id))) throw new FacegateError('ERROR_KEY_NOT_FOUND', `no active API key with id ${id}`);
          io.print({ id, revoked: true });
        } else io.fail('usage: facegate keys create|list|revoke');
      });
    },

    async clients([action, id]) {
      await withStore(async (store) => {
        if (action === 'create') {
          const name = str(io.opts.name) ?? io.fail('clients create needs --name');
          const { client, secret } = await createClient(store, { name, galleryName: str(io.opts.gallery), callbackUrl: str(io.opts['callback-url']) });
          io.print({ client: client.id, secret, name: client.name, gallery: client.galleryName, callbackUrl: client.callbackUrl });
        } else if (action === 'list') io.print(await store.listClients());
        else if (action === 'revoke') {
          if (!id) io.fail('usage: facegate clients revoke <client>');
          if (!(await store.revokeClient(id))) throw new FacegateError('ERROR_NOT_FOUND', `no active client ${id}`);
          io.print({ client: id, revoked: true });
        } else io.fail('usage: facegate clients create --name N [--gallery G] [--callback-url URL] | clients list | clients revoke <client>');
      });
    },

    async galleries([action]) {
      await withStore(async (store) => {
        if (action === 'create') {
          const name = str(io.opts.name) ?? io.fail('galleries create needs --name');
          const liveness = str(io.opts['liveness-level']);
          const gallery = await createGallery(store, name, {
            savePhoto: booleanOption(io.opts['save-photo'], 'save-photo', io),
            keepTemplates: booleanOption(io.opts['keep-templates'], 'keep-templates', io),
            matchLevel: str(io.opts['match-level']),
            livenessLevel: liveness === 'none' ? null : liveness,
          });
          io.print(gallery);
        } else if (action === 'list') io.print(await store.listGalleries());
        else io.fail('usage: facegate galleries create --name G [--save-photo false] [--match-level HIGH] [--liveness-level MODERATE|none] | galleries list');
      });
    },

    async blob([path]) {
      if (!path) io.fail('usage: facegate blob <image> [--server URL] [--out FILE]');
      const image = new Uint8Array(await readFile(path));
      const format = sniffFormat(image) ?? io.fail(`${path} is not a JPEG, PNG or WebP image`);
      const server = str(io.opts.server);
      let publicKey: string;
      let capturedAt = Date.now();
      if (server) {
        const [key, time] = await Promise.all([fetchJson(`${server}/api/v1/pub_key`), fetchJson(`${server}/api/v1/time`)]);
        publicKey = String(key.pem);
        capturedAt = Number(time.epochMillis);
      } else {
        // The key pair is all a blob needs: no store is opened (nor a database connected).
        publicKey = (await loadOrCreateServerKeys(dataDirFrom(process.env), { dataKey: process.env.FACEGATE_DATA_KEY || undefined })).publicKeyPem;
      }
      const blob = await createCaptureBlob(image, `image/${format}`, publicKey, { capturedAt, metadata: { source: 'facegate-cli' } });
      const out = str(io.opts.out);
      if (out) {
        await writeFile(out, blob);
        io.print({ out, bytes: blob.length, capturedAt });
      } else io.print({ blob: Buffer.from(blob).toString('base64'), bytes: blob.length, capturedAt });
    },
  };
}

async function fetchJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'GET' });
  if (!response.ok) throw new FacegateError('ERROR_INVALID_ARGUMENT', `${url} answered HTTP ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}
