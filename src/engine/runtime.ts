/**
 * The only module that imports the inference runtime. Each model is one ONNX
 * session run on the CPU with one intra-op thread: parallelism comes from the
 * worker pool, one worker per core, which beats splitting one inference over
 * two threads on these small models.
 */
import * as ort from 'onnxruntime-node';
import { FacegateError } from '../core/errors.js';

/**
 * Loads the runtime's native addon into the calling thread. The pool calls it
 * on the main thread: the addon is not context-aware, so once every worker
 * that loaded it has exited, the library is unloaded and a new worker cannot
 * register it again ("Module did not self-register").
 */
export function keepRuntimeLoaded(): string {
  return ort.env.versions?.common ?? 'onnxruntime';
}

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface OnnxModel {
  readonly name: string;
  /** Runs one inference; `dims` of the single input, outputs by name as flat arrays. */
  run(input: Float32Array, dims: readonly number[]): Promise<Record<string, Float32Array>>;
  dispose(): Promise<void>;
}

export async function loadOnnxModel(path: string, graphOptimizationLevel: GraphOptimizationLevel): Promise<OnnxModel> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      graphOptimizationLevel,
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
  } catch (err) {
    throw new FacegateError('ERROR_MODEL_LOAD_FAILED', `cannot load model ${path}: ${(err as Error).message}`);
  }
  const inputName = session.inputNames[0];
  return {
    name: path,
    async run(input, dims) {
      const tensor = new ort.Tensor('float32', input, dims as number[]);
      const results = await session.run({ [inputName]: tensor });
      tensor.dispose();
      const out: Record<string, Float32Array> = {};
      for (const [key, value] of Object.entries(results)) {
        out[key] = new Float32Array(value.data as Float32Array);
        value.dispose();
      }
      return out;
    },
    dispose: () => session.release(),
  };
}
