/**
 * A pool of inference workers, one per core by default, fed from one bounded
 * FIFO queue. When the queue is full a request fails at once with
 * ERROR_ENGINE_OVERLOADED instead of waiting without bound, so a server can
 * answer 503 with Retry-After.
 */
import { Worker } from 'node:worker_threads';
import { FacegateError, isErrorCode } from '../core/errors.js';
import type { AnalyzeOptions, ImageAnalysis } from './analyzer.js';
import { keepRuntimeLoaded } from './runtime.js';
import type { SerializedError, WorkerMessage } from './worker.js';

export interface PoolOptions {
  packDir: string;
  workers: number;
  /** Requests allowed to wait for a free worker. */
  maxQueue: number;
}

interface Job {
  id: number;
  bytes: Uint8Array;
  options: AnalyzeOptions;
  resolve: (a: ImageAnalysis) => void;
  reject: (e: Error) => void;
}

interface Slot { worker: Worker; job: Job | null; restarting: boolean }

const toError = (e: SerializedError) => (isErrorCode(e.code) ? new FacegateError(e.code, e.message, e.details) : new FacegateError('ERROR_SERVER_INTERNAL', e.message));

export class InferencePool {
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(private readonly slots: Slot[], private readonly options: PoolOptions) {
    for (const slot of slots) this.listen(slot);
  }

  /** Starts every worker and waits until each has loaded all models; fails if any cannot. */
  static async start(options: PoolOptions): Promise<InferencePool> {
    keepRuntimeLoaded();
    const started = await Promise.allSettled(Array.from({ length: options.workers }, () => spawnWorker(options.packDir)));
    const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw failure.reason;
    }
    return new InferencePool(workers.map((worker) => ({ worker, job: null, restarting: false })), options);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Requests waiting for a worker (not counting those running). */
  get queueDepth(): number {
    return this.queue.length;
  }

  get busyWorkers(): number {
    return this.slots.filter((s) => s.job).length;
  }

  analyze(bytes: Uint8Array, options: AnalyzeOptions): Promise<ImageAnalysis> {
    if (this.closed) return Promise.reject(new FacegateError('ERROR_SERVER_INTERNAL', 'the inference pool is shut down'));
    const free = this.slots.find((s) => !s.job && !s.restarting);
    if (!free && this.queue.length >= this.options.maxQueue) {
      return Promise.reject(new FacegateError('ERROR_ENGINE_OVERLOADED', `the inference queue is full (${this.options.maxQueue} waiting); retry shortly`));
    }
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, bytes, options, resolve, reject };
      if (free) this.dispatch(free, job);
      else this.queue.push(job);
    });
  }

  /** Lets running inferences finish, fails queued ones, then releases every worker's models. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new FacegateError('ERROR_SERVER_INTERNAL', 'the inference pool is shutting down'));
    await Promise.all(this.slots.map(async (slot) => {
      if (slot.job) await new Promise<void>((resolve) => slot.worker.once('message', () => resolve()));
      await stopWorker(slot.worker);
    }));
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.postMessage({ id: job.id, bytes: job.bytes, options: job.options });
  }

  private listen(slot: Slot): void {
    slot.worker.on('message', (msg: WorkerMessage) => {
      const job = slot.job;
      if (!job || (msg.type !== 'result' && msg.type !== 'error') || msg.id !== job.id) return;
      slot.job = null;
      if (msg.type === 'result') job.resolve(msg.analysis as ImageAnalysis);
      else job.reject(toError(msg.error));
      this.dispatchNext(slot);
    });
    slot.worker.on('exit', (exitCode) => {
      if (this.closed) return;
      slot.job?.reject(new FacegateError('ERROR_SERVER_INTERNAL', `the inference worker stopped (exit code ${exitCode}) while processing this image`));
      slot.job = null;
      void this.restart(slot);
    });
  }

  /** A crashed worker is replaced so the pool keeps its size; its queue waits meanwhile. */
  private async restart(slot: Slot): Promise<void> {
    slot.restarting = true;
    try {
      slot.worker = await spawnWorker(this.options.packDir);
      if (this.closed) return void (await slot.worker.terminate());
      slot.restarting = false;
      this.listen(slot);
      this.dispatchNext(slot);
    } catch {
      setTimeout(() => void this.restart(slot), 1000).unref();
    }
  }

  private dispatchNext(slot: Slot): void {
    const next = this.queue.shift();
    if (next) this.dispatch(slot, next);
  }
}

function stopWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => void worker.terminate(), 5000);
    worker.once('exit', () => {
      clearTimeout(deadline);
      resolve();
    });
    worker.postMessage({ type: 'close' });
  });
}

function spawnWorker(packDir: string): Promise<Worker> {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { packDir } });
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      void worker.terminate();
      reject(err);
    };
    worker.once('error', fail);
    worker.once('message', (msg: WorkerMessage) => {
      worker.off('error', fail);
      if (msg.type === 'ready') resolve(worker);
      else if (msg.type === 'failed') fail(toError(msg.error));
    });
  });
}
