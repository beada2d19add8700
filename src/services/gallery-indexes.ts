/**
 * One in-memory search index per gallery, built from the store at start and
 * kept in step with it by the enrollment service (same request as the write).
 * Graph indexes are snapshotted (sealed) at start and at shutdown; at the next
 * start a snapshot is restored and reconciled with the store instead of rebuilt.
 */
import { FacegateError } from '../core/errors.js';
import { decodeTemplate } from '../core/template.js';
import { createGalleryIndex, GalleryIndex, loadGalleryIndex, reconcileGalleryIndex } from '../search/gallery-index.js';
import { HnswIndex } from '../search/hnsw.js';
import { decodeGraphState, encodeGraphState } from '../search/hnsw-state.js';
import type { IndexSnapshots } from '../store/index-snapshots.js';
import type { Store } from '../store/types.js';

export interface IndexLoadReport {
  galleries: number;
  templates: number;
  skippedOtherModel: number;
  /** Galleries restored from a snapshot, and the rows reconciliation changed in them. */
  restored: number;
  reconciled: { replaced: number; removed: number };
  /** Snapshots that did not open (the gallery was rebuilt from the store) or could not be saved or pruned. */
  snapshotFailures: SnapshotFailure[];
}

export interface SnapshotFailure {
  action: 'restore' | 'save' | 'prune';
  gallery: string | null;
  reason: string;
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class GalleryIndexes {
  private readonly indexes = new Map<string, GalleryIndex>();
  /** Per gallery, the index revision its snapshot holds. */
  private readonly snapshotRevisions = new Map<string, number>();
  /** Galleries listed when loading began and not loaded yet: a search there would miss people. */
  private readonly pending = new Set<string>();
  private listedGalleries = 0;

  constructor(
    private readonly modelId: string,
    private readonly dimensions: number,
    private readonly hnswThreshold: number,
    private readonly snapshots?: IndexSnapshots,
  ) {}

  /** Loads every gallery; templates of another model are left out (they cannot be searched with this one) and counted. */
  async loadAll(store: Store): Promise<IndexLoadReport> {
    const report: IndexLoadReport = {
      galleries: 0,
      templates: 0,
      skippedOtherModel: 0,
      restored: 0,
      reconciled: { replaced: 0, removed: 0 },
      snapshotFailures: [],
    };
    const galleries = await store.listGalleries();
    report.galleries = galleries.length;
    this.listedGalleries = galleries.length;
    for (const gallery of galleries) this.pending.add(gallery.name);
    for (const gallery of galleries) {
      const modelId = this.modelId;
      async function* vectors() {
        for await (const row of store.listTemplates(gallery.name)) {
          if (row.modelId !== modelId) {
            report.skippedOtherModel++;
            continue;
          }
          report.templates++;
          yield { id: row.userId, vector: decodeTemplate(row.template).vector };
        }
      }
      this.indexes.get(gallery.name)?.dispose();
      const restored = await this.restore(gallery.name).catch(async (error: unknown) => {
        report.snapshotFailures.push({ action: 'restore', gallery: gallery.name, reason: reasonOf(error) });
        // Left in place it would fail again at every start, holding templates no index uses.
        await this.snapshots?.remove(gallery.name).catch(() => undefined);
        return undefined;
      });
      if (restored) {
        const changes = await reconcileGalleryIndex(restored, vectors());
        report.restored++;
        report.reconciled.replaced += changes.replaced;
        report.reconciled.removed += changes.removed;
        this.indexes.set(gallery.name, restored);
        if (changes.replaced + changes.removed === 0) this.snapshotRevisions.set(gallery.name, restored.revision);
      } else {
        this.indexes.set(gallery.name, await loadGalleryIndex(this.dimensions, vectors(), { hnswThreshold: this.hnswThreshold }));
      }
      this.pending.delete(gallery.name);
    }
    await this.snapshots?.prune(galleries.map((gallery) => gallery.name)).catch((error: unknown) => {
      report.snapshotFailures.push({ action: 'prune', gallery: null, reason: reasonOf(error) });
    });
    report.snapshotFailures.push(...(await this.saveChanged()).failures);
    return report;
  }

  /**
   * Snapshots every graph index that changed since its last snapshot. A failure is reported,
   * not thrown: a snapshot only saves time at the next start, it must never stop this one.
   */
  async saveChanged(): Promise<{ saved: number; failures: SnapshotFailure[] }> {
    const result = { saved: 0, failures: [] as SnapshotFailure[] };
    const snapshots = this.snapshots;
    if (!snapshots) return result;
    for (const [name, index] of this.indexes) {
      const graph = index.settledGraph;
      if (!graph || this.snapshotRevisions.get(name) === index.revision) continue;
      let revision: number | undefined;
      try {
        await snapshots.save(name, graph.memoryBytes(), (graphPath) => {
          revision = index.revision;
          return encodeGraphState({ modelId: this.modelId, dimensions: this.dimensions, state: graph.save(graphPath) });
        });
      } catch (error) {
        result.failures.push({ action: 'save', gallery: name, reason: reasonOf(error) });
        continue;
      }
      if (revision !== undefined && this.indexes.get(name) === index) this.snapshotRevisions.set(name, revision);
      result.saved++;
    }
    return result;
  }

  /** True while galleries that existed at start are still being loaded. */
  get loading(): boolean {
    return this.pending.size > 0;
  }

  /** The gallery's index for a search; refused while it is still loading, rather than answering from part of it. */
  searchable(galleryName: string): GalleryIndex {
    if (this.pending.has(galleryName)) {
      const loaded = this.listedGalleries - this.pending.size;
      throw new FacegateError('ERROR_INDEX_LOADING', `The search index of gallery "${galleryName}" is still loading (${loaded} of ${this.listedGalleries} galleries ready); retry shortly`);
    }
    return this.get(galleryName);
  }

  /**
   * The gallery's index for writes. While the gallery is still loading, a detached index takes
   * them and is dropped: the change log replays every write made during the load once it ends.
   */
  get(galleryName: string): GalleryIndex {
    if (this.pending.has(galleryName)) return createGalleryIndex({ dimensions: this.dimensions, hnswThreshold: this.hnswThreshold });
    let index = this.indexes.get(galleryName);
    if (!index) {
      index = createGalleryIndex({ dimensions: this.dimensions, hnswThreshold: this.hnswThreshold });
      this.indexes.set(galleryName, index);
    }
    return index;
  }

  /** The gallery's index if this server has one, without creating it. */
  find(galleryName: string): GalleryIndex | undefined {
    return this.indexes.get(galleryName);
  }

  async drop(galleryName: string): Promise<void> {
    this.indexes.get(galleryName)?.dispose();
    this.indexes.delete(galleryName);
    this.snapshotRevisions.delete(galleryName);
    await this.snapshots?.remove(galleryName);
  }

  disposeAll(): void {
    for (const index of this.indexes.values()) index.dispose();
    this.indexes.clear();
  }

  private async restore(galleryName: string): Promise<GalleryIndex | undefined> {
    return this.snapshots?.load(galleryName, (stateBytes, graphPath) => {
      const saved = decodeGraphState(stateBytes);
      if (saved.modelId !== this.modelId || saved.dimensions !== this.dimensions) {
        throw new Error(`the snapshot was built for model ${saved.modelId} (${saved.dimensions}-d)`);
      }
      const graph = HnswIndex.restore(this.dimensions, {}, saved.state, graphPath);
      return GalleryIndex.fromGraph(graph, { hnswThreshold: this.hnswThreshold });
    });
  }
}
