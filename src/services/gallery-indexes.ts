/**
 * One in-memory search index per gallery, built from the store at start and
 * kept in step with it by the enrollment service (same request as the write).
 */
import { decodeTemplate } from '../core/template.js';
import { createGalleryIndex, loadGalleryIndex } from '../search/gallery-index.js';
import type { VectorIndex } from '../search/types.js';
import type { Store } from '../store/types.js';

export class GalleryIndexes {
  private readonly indexes = new Map<string, VectorIndex>();

  constructor(
    private readonly modelId: string,
    private readonly dimensions: number,
    private readonly hnswThreshold: number,
  ) {}

  /** Loads every gallery; templates of another model are left out (they cannot be searched with this one) and counted. */
  async loadAll(store: Store): Promise<{ galleries: number; templates: number; skippedOtherModel: number }> {
    let templates = 0;
    let skippedOtherModel = 0;
    const galleries = await store.listGalleries();
    for (const gallery of galleries) {
      const modelId = this.modelId;
      async function* vectors() {
        for await (const row of store.listTemplates(gallery.name)) {
          if (row.modelId !== modelId) {
            skippedOtherModel++;
            continue;
          }
          templates++;
          yield { id: row.userId, vector: decodeTemplate(row.template).vector };
        }
      }
      this.indexes.get(gallery.name)?.dispose();
      this.indexes.set(gallery.name, await loadGalleryIndex(this.dimensions, vectors(), { hnswThreshold: this.hnswThreshold }));
    }
    return { galleries: galleries.length, templates, skippedOtherModel };
  }

  get(galleryName: string): VectorIndex {
    let index = this.indexes.get(galleryName);
    if (!index) {
      index = createGalleryIndex({ dimensions: this.dimensions, hnswThreshold: this.hnswThreshold });
      this.indexes.set(galleryName, index);
    }
    return index;
  }

  drop(galleryName: string): void {
    this.indexes.get(galleryName)?.dispose();
    this.indexes.delete(galleryName);
  }

  disposeAll(): void {
    for (const index of this.indexes.values()) index.dispose();
    this.indexes.clear();
  }
}
