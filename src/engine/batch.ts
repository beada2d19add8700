import { readFile } from 'node:fs/promises';
import { FacegateError } from '../core/errors.js';

export type BatchOutcome<T> = { ok: true; value: T } | { ok: false; error: FacegateError };

/**
 * Runs `work` over many files, keeping `inFlight` of them submitted at once so
 * every worker stays busy without flooding the pool's queue. Failures are
 * outcomes, not exceptions: one bad file never stops a batch.
 */
export async function processFiles<T>(
  paths: readonly string[],
  work: (bytes: Uint8Array, path: string) => Promise<T>,
  options: { inFlight: number; onProgress?: (done: number, total: number) => void },
): Promise<Map<string, BatchOutcome<T>>> {
  const results = new Map<string, BatchOutcome<T>>();
  let next = 0;
  let done = 0;
  const runOne = async (path: string): Promise<void> => {
    try {
      const bytes = new Uint8Array(await readFile(path));
      results.set(path, { ok: true, value: await work(bytes, path) });
    } catch (err) {
      const error = err instanceof FacegateError ? err : new FacegateError('ERROR_INVALID_ARGUMENT', `cannot read ${path}: ${(err as Error).message}`);
      results.set(path, { ok: false, error });
    }
    options.onProgress?.(++done, paths.length);
  };
  const lanes = Array.from({ length: Math.max(1, options.inFlight) }, async () => {
    while (next < paths.length) await runOne(paths[next++]);
  });
  await Promise.all(lanes);
  return results;
}
