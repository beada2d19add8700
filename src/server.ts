/**
 * Starts Facegate: keys, store, engine, search indexes, HTTP. Every part must
 * come up or the process exits: no half pipeline is ever served. SIGINT and
 * SIGTERM finish in-flight requests before releasing the engine and store.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from './config.js';
import { createSealer } from './crypto/at-rest.js';
import { parseRsaPublicKey } from './crypto/rsa-keys.js';
import { loadOrCreateServerKeys, type ServerKeys } from './crypto/server-keys.js';
import { FaceEngine } from './engine/engine.js';
import { buildApp } from './http/app.js';
import type { AppDeps } from './http/context.js';
import { ApiKeyAuthenticator, ensureBootstrapKey } from './services/api-keys.js';
import { GalleryIndexes } from './services/gallery-indexes.js';
import { IndexSync } from './services/index-sync.js';
import { DEFAULT_CHALLENGE_SETTINGS, LivenessChallenges } from './services/liveness-challenges.js';
import { IndexSnapshots } from './store/index-snapshots.js';
import { openStore } from './store/open.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import type { Store } from './store/types.js';

/** How far before the index load the change-log replay starts: covers a database clock behind ours. */
const SYNC_CLOCK_MARGIN_MS = 5 * 60_000;

export interface RunningServer {
  app: FastifyInstance;
  deps: AppDeps;
  url: string;
  close(): Promise<void>;
}

/** Keys and store as the CLI and the server both open them, so they share one data dir or database. */
export async function openData(config: Pick<ServerConfig, 'dataDir' | 'dataKey' | 'databaseUrl'>): Promise<{ keys: ServerKeys; store: Store }> {
  const keys = await loadOrCreateServerKeys(config.dataDir, { dataKey: config.dataKey });
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, sealer: createSealer(keys.dataKey) });
  return { keys, store };
}

export interface AssembledApp {
  app: FastifyInstance;
  deps: AppDeps;
  /** Settles when every gallery's search index is loaded; rejects if loading failed. */
  indexesReady: Promise<void>;
  release: () => Promise<void>;
}

export interface AssembleOptions {
  logger?: boolean | object;
  /** Tests drive liveness challenges with their own clock and a seeded random instead of the CSPRNG. */
  challengeClock?: () => number;
  challengeRandom?: () => number;
}

export async function assembleApp(config: ServerConfig, options: AssembleOptions = {}): Promise<AssembledApp> {
  const { keys, store } = await openData(config);
  let engine: FaceEngine | undefined;
  try {
    if (config.bootstrapApiKey) await ensureBootstrapKey(store, config.bootstrapApiKey);
    engine = await FaceEngine.open(config);
    const snapshots = config.indexSnapshots ? new IndexSnapshots(path.join(config.dataDir, 'indexes'), keys.dataKey) : undefined;
    const indexes = new GalleryIndexes(engine.modelId, engine.pack.manifest.models.embedder.dimensions, config.hnswThreshold, snapshots);
    // Changes from before the load on (with room for the database's clock to differ) are replayed; replaying is harmless.
    const syncFrom = new Date(Date.now() - SYNC_CLOCK_MARGIN_MS);
    let app: FastifyInstance | undefined;
    const webhooks = new WebhookDispatcher(store);
    const deps: AppDeps = {
      config,
      engine,
      store,
      keys,
      indexes,
      authenticator: new ApiKeyAuthenticator(store),
      webhooks,
      challenges: new LivenessChallenges(
        // A lost log row must not fail the person's capture; it is reported once the app's logger exists.
        { engine, log: (record) => store.recordTransaction(record).catch((err: unknown) => app?.log.error({ err, refid: record.refid }, 'could not write the liveness attempt to the transaction log')) },
        { ...DEFAULT_CHALLENGE_SETTINGS, ...config.challenges },
        options.challengeClock,
        options.challengeRandom,
      ),
      templateEncryptionKey: config.templateEncryptionKey ? parseRsaPublicKey(config.templateEncryptionKey) : undefined,
    };
    app = await buildApp(deps, { logger: options.logger });
    const sync = new IndexSync(store, indexes, engine.modelId, {
      intervalMs: config.indexSyncMs,
      since: syncFrom,
      onError: (error) => app.log.warn({ err: error }, 'search index sync failed; retrying'),
    });
    let releasing = false;
    // Loaded while the server already serves (a gallery without a snapshot can take many minutes):
    // searches in a gallery not loaded yet answer ERROR_INDEX_LOADING, and the change log
    // replays the writes made meanwhile once the sync starts.
    const indexesReady = indexes.loadAll(store).then(({ snapshotFailures, ...loaded }) => {
      app.log.info(loaded, 'search indexes loaded');
      for (const failure of snapshotFailures) app.log.warn(failure, 'search index snapshot failed (a failed restore means the gallery was rebuilt from the store)');
      if (loaded.skippedOtherModel > 0) app.log.warn(`${loaded.skippedOtherModel} stored templates were made by another model and are not searchable; re-enroll those users`);
      if (!releasing) sync.start();
    });
    webhooks.start();
    app.log.info({ store: store.kind, modelId: engine.modelId, workers: engine.stats.workers }, 'facegate ready');
    const running = engine;
    return {
      app,
      deps,
      indexesReady,
      release: async () => {
        releasing = true;
        await webhooks.stop();
        await sync.stop();
        // Stopped mid-load there is no complete graph to snapshot; the next start loads again.
        if (!indexes.loading) {
          const { failures } = await indexes.saveChanged();
          for (const failure of failures) app.log.error(failure, 'search index snapshot failed; the next start reconciles an older one or rebuilds');
        }
        indexes.disposeAll();
        await running.close();
        await store.close();
        await indexesReady.catch(() => undefined);
      },
    };
  } catch (err) {
    await engine?.close();
    await store.close();
    throw err;
  }
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const { app, deps, release, indexesReady } = await assembleApp(config);
  const address = await app.listen({ host: config.host, port: config.port });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close();
      await release();
    })());
  indexesReady.catch((error: unknown) => {
    if (closing) return;
    // Never serve searches from indexes that could not be loaded.
    app.log.fatal({ err: error }, 'loading the search indexes failed; stopping');
    void close().then(() => process.exit(1));
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info(`${signal}: finishing in-flight requests`);
      void close().then(() => process.exit(0));
    });
  }
  return { app, deps, url: address, close };
}
