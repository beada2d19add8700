/**
 * Keeps this server's search indexes in step with enrollments written by other servers on
 * the same database (or other processes on the same SQLite file). The database logs every
 * enrollment write in the same transaction (a trigger, migration 5); this polls that log and
 * re-reads each changed enrollment. The store stays the source of truth: a change is applied
 * by reading the enrollment's current row, so the order and repetition of changes do not
 * matter, and this server's own writes, already in its indexes, cost one read each.
 */
import { decodeTemplate } from '../core/template.js';
import type { Store } from '../store/types.js';
import type { GalleryIndexes } from './gallery-indexes.js';

/**
 * On PostgreSQL a transaction can commit after one with a later sequence number, so each poll
 * looks back this far behind the newest change it has seen, skipping changes it applied.
 */
const LOOK_BACK_MS = 10_000;
/** Changes read per query. */
const PAGE_ROWS = 1000;
/** How long the change log keeps a change: servers poll every second, and a start reads everything anyway. */
const RETENTION_MS = 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;

export interface IndexSyncOptions {
  /** Poll period. */
  intervalMs: number;
  /** Changes from this time on (the database's clock) are applied; before the indexes were loaded, minus clock skew. */
  since: Date;
  onError: (error: unknown) => void;
}

export class IndexSync {
  readonly #store: Store;
  readonly #indexes: GalleryIndexes;
  readonly #modelId: string;
  readonly #options: IndexSyncOptions;
  #since: Date;
  /** Changes applied within the look-back window, by sequence number → their time. */
  readonly #applied = new Map<number, number>();
  #lastPrune = 0;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #stopped = false;

  constructor(store: Store, indexes: GalleryIndexes, modelId: string, options: IndexSyncOptions) {
    this.#store = store;
    this.#indexes = indexes;
    this.#modelId = modelId;
    this.#options = options;
    this.#since = options.since;
  }

  start(): void {
    this.#schedule();
  }

  /** Stops polling; resolves once a poll in progress has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#polling;
  }

  /** Applies the changes logged since the last poll; returns how many enrollments it re-read. */
  async syncOnce(): Promise<number> {
    let afterSeq = 0;
    let newest = this.#since.getTime();
    const reread = new Set<string>();
    for (;;) {
      const page = await this.#store.listEnrollmentChanges(this.#since, afterSeq, PAGE_ROWS);
      for (const change of page) {
        afterSeq = change.seq;
        const at = change.changedAt.getTime();
        newest = Math.max(newest, at);
        if (this.#applied.has(change.seq)) continue;
        this.#applied.set(change.seq, at);
        const key = JSON.stringify([change.galleryName, change.userId]);
        if (reread.has(key)) continue;
        reread.add(key);
        await this.#apply(change.galleryName, change.userId);
      }
      if (page.length < PAGE_ROWS) break;
    }
    this.#since = new Date(Math.max(this.#since.getTime(), newest - LOOK_BACK_MS));
    for (const [seq, at] of this.#applied) if (at < this.#since.getTime()) this.#applied.delete(seq);
    await this.#pruneIfDue();
    return reread.size;
  }

  async #apply(galleryName: string, userId: string): Promise<void> {
    const enrollment = await this.#store.getEnrollmentTemplate(galleryName, userId);
    if (!enrollment || enrollment.modelId !== this.#modelId) {
      this.#indexes.find(galleryName)?.remove(userId);
      return;
    }
    const { vector } = decodeTemplate(enrollment.template);
    const index = this.#indexes.get(galleryName);
    if (!index.holds(userId, vector)) index.add(userId, vector);
  }

  async #pruneIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    await this.#store.pruneEnrollmentChanges(new Date(now - RETENTION_MS));
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#polling = this.syncOnce()
        .then(() => undefined, this.#options.onError)
        .finally(() => {
          this.#polling = undefined;
          this.#schedule();
        });
    }, this.#options.intervalMs);
    this.#timer.unref();
  }
}
