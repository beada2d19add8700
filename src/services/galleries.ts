/** Gallery administration with validated settings. */
import { parseMatchLevel } from '../core/calibration.js';
import { FacegateError } from '../core/errors.js';
import { parseLivenessLevel } from '../core/liveness.js';
import { StoreConflictError, type Gallery, type GalleryPatch, type Store } from '../store/types.js';
import type { GalleryIndexes } from './gallery-indexes.js';

const GALLERY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface GallerySettings {
  savePhoto?: boolean;
  keepTemplates?: boolean;
  matchLevel?: string;
  livenessLevel?: string | null;
}

function validSettings(settings: GallerySettings): GalleryPatch {
  return {
    ...(settings.savePhoto === undefined ? {} : { savePhoto: settings.savePhoto }),
    ...(settings.keepTemplates === undefined ? {} : { keepTemplates: settings.keepTemplates }),
    ...(settings.matchLevel === undefined ? {} : { matchLevel: parseMatchLevel(settings.matchLevel) }),
    ...(settings.livenessLevel === undefined ? {} : { livenessLevel: settings.livenessLevel === null ? null : parseLivenessLevel(settings.livenessLevel) }),
  };
}

export async function createGallery(store: Store, name: string, settings: GallerySettings): Promise<Gallery> {
  if (!GALLERY_NAME.test(name)) throw new FacegateError('ERROR_INVALID_ARGUMENT', `gallery name "${name}" must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  const patch = validSettings(settings);
  try {
    return await store.createGallery({ name, savePhoto: patch.savePhoto ?? true, keepTemplates: patch.keepTemplates ?? true, matchLevel: patch.matchLevel ?? 'HIGH', livenessLevel: patch.livenessLevel === undefined ? 'MODERATE' : patch.livenessLevel });
  } catch (err) {
    if (err instanceof StoreConflictError) throw new FacegateError('ERROR_GALLERY_EXISTS', `gallery "${name}" already exists`);
    throw err;
  }
}

export async function requireGallery(store: Store, name: unknown): Promise<Gallery> {
  if (typeof name !== 'string' || !name) throw new FacegateError('ERROR_INVALID_JSON', '(/gallery) is required');
  const gallery = await store.getGallery(name);
  if (!gallery) throw new FacegateError('ERROR_GALLERY_NOT_FOUND', `gallery "${name}" does not exist; an administrator creates galleries (facegate galleries create)`);
  return gallery;
}

export async function updateGallery(store: Store, name: string, settings: GallerySettings): Promise<Gallery> {
  const updated = await store.updateGallery(name, validSettings(settings));
  if (!updated) throw new FacegateError('ERROR_GALLERY_NOT_FOUND', `gallery "${name}" does not exist`);
  return updated;
}

export async function deleteGallery(store: Store, indexes: GalleryIndexes, name: string): Promise<void> {
  if (!(await store.deleteGallery(name))) throw new FacegateError('ERROR_GALLERY_NOT_FOUND', `gallery "${name}" does not exist`);
  await indexes.drop(name);
}
