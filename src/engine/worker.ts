/**
 * Inference worker: owns one FaceAnalyzer (all models of the pack, one thread
 * each) and serves analysis requests from the pool one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { FacegateError } from '../core/errors.js';
import { FaceAnalyzer, type AnalyzeOptions } from './analyzer.js';
import { openModelPack } from './pack.js';

export interface WorkerInit { packDir: string }
export interface AnalyzeRequest { id: number; bytes: Uint8Array; options: AnalyzeOptions }
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'result'; id: number; analysis: unknown }
  | { type: 'error'; id: number; error: SerializedError };
export interface SerializedError { code: string; message: string; details?: Record<string, unknown> }

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

// libvips would otherwise start a thread per core in every worker.
sharp.concurrency(1);

const serialize = (err: unknown): SerializedError =>
  err instanceof FacegateError
    ? { code: err.code, message: err.message, details: err.details }
    : { code: 'ERROR_SERVER_INTERNAL', message: (err as Error)?.message ?? String(err) };

try {
  const { packDir } = workerData as WorkerInit;
  const analyzer = await FaceAnalyzer.load(await openModelPack(packDir));
  port.on('message', async (req: AnalyzeRequest | { type: 'close' }) => {
    if ('type' in req) {
      await analyzer.dispose();
      process.exit(0);
    }
    try {
      const analysis = await analyzer.analyze(req.bytes, req.options);
      port.postMessage({ type: 'result', id: req.id, analysis } satisfies WorkerMessage);
    } catch (err) {
      port.postMessage({ type: 'error', id: req.id, error: serialize(err) } satisfies WorkerMessage);
    }
  });
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
} catch (err) {
  port.postMessage({ type: 'failed', error: serialize(err) } satisfies WorkerMessage);
}
