/** Synthetic templates and the enrollment rows that carry them, for index tests over a real store. */
import { seededRandom } from '../src/core/random.js';
import { encodeTemplate } from '../src/core/template.js';
import type { NewEnrollment } from '../src/store/types.js';

/** A generator of random unit vectors of `dimensions`, the same sequence for the same seed. */
export function unitVectors(dimensions: number, seed: number): () => Float32Array {
  const next = seededRandom(seed);
  return () => {
    const vector = new Float32Array(dimensions).map(() => next() - 0.5);
    const norm = Math.hypot(...vector);
    return vector.map((x) => x / norm);
  };
}

export function templateEnrollment(galleryName: string, userId: string, vector: Float32Array, modelId: string): NewEnrollment {
  return { galleryName, userId, modelId, template: encodeTemplate({ modelId, vector }), photo: null, photoMime: null, migratedPending: false };
}
