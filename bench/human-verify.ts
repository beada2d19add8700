/**
 * Comparison runner: the @vladmandic/human face verification pipeline (face detector →
 * mesh/alignment → description/embedding, the models its face-match demo uses) on tfjs
 * with the wasm backend, single process, one image at a time. bench/engine.ts reports
 * our throughput as a ratio against this.
 *
 * Loading notes (Node 20, no tfjs-node):
 * - Entry point is `@vladmandic/human/dist/human.node-wasm.js` (CommonJS). Its package
 *   "exports" only has condition keys (no subpaths), so it is loaded by file path next to
 *   the resolved main entry. It requires @tensorflow/tfjs-core, -converter and
 *   -backend-wasm (4.22.0) from node_modules.
 * - Models are the ones shipped in the npm package (`@vladmandic/human/models/`).
 *   Human loads them with `fetch`, which in Node 20 does not support file:// URLs, so a
 *   tf.io load router for file:// URLs reads model.json and its weight shards from disk.
 * - The wasm binaries come from `@tensorflow/tfjs-backend-wasm/dist/` (a plain path:
 *   in Node the emscripten loader reads them with fs).
 *
 * Run alone: node dist/bench/human-verify.js [--rounds N] <image files...>
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';

export interface HumanBenchResult {
  imagesPerSecond: number;
  msPerImage: number;
  images: number;
  facesFound: number;
  backend: string;
  humanVersion: string;
  modelsUsed: string[];
}

// Minimal structural types for the parts of Human and tfjs used here (Human's own
// typings pull in DOM types that this project's tsconfig does not include).
interface TfTensor {
  shape: number[];
  dispose(): void;
}
interface TfModelArtifacts {
  [key: string]: unknown;
}
interface TfIOHandler {
  load(): Promise<TfModelArtifacts>;
}
interface TfWeightsManifestGroup {
  paths: string[];
  weights: unknown[];
}
interface TfModelJSON {
  weightsManifest: TfWeightsManifestGroup[];
  [key: string]: unknown;
}
interface Tf {
  version: Record<string, string>;
  getBackend(): string;
  memory(): { numTensors: number; numBytes: number };
  tensor3d(values: Uint8Array | Int32Array | Float32Array, shape: [number, number, number], dtype: 'int32' | 'float32'): TfTensor;
  io: {
    registerLoadRouter(router: (url: string | string[]) => TfIOHandler | null): void;
    getModelArtifactsForJSON(
      modelJSON: TfModelJSON,
      loadWeights: (manifest: TfWeightsManifestGroup[]) => Promise<[unknown[], ArrayBuffer]>,
    ): Promise<TfModelArtifacts>;
  };
}
interface HumanFace {
  embedding?: number[];
  score: number;
}
interface HumanResult {
  face: HumanFace[];
  error?: string | null;
}
interface HumanInstance {
  version: string;
  tf: Tf;
  config: { backend: string };
  /** stats().modelStats[].loaded is only set once a model's weights actually loaded (loaded() only lists models that are non-null). */
  models: { stats(): { modelStats: { name: string; loaded: boolean }[] } };
  init(): Promise<void>;
  load(config?: object): Promise<void>;
  detect(input: TfTensor, config?: object): Promise<HumanResult>;
  match: { similarity(a: number[], b: number[]): number };
}
interface HumanModule {
  Human: new (config: object) => HumanInstance;
}

/** Models the verify pipeline needs, as named in Human's models folder. */
const REQUIRED_MODELS = ['blazeface', 'facemesh', 'faceres'] as const;

/** Face detector + mesh (alignment) + description (embedding); everything else off. */
function humanConfig(modelBasePath: string, wasmPath: string): object {
  return {
    backend: 'wasm',
    wasmPath,
    modelBasePath,
    debug: false,
    async: true,
    warmup: 'none',
    cacheModels: false,
    validateModels: false,
    // Human reuses previous results for "similar" consecutive inputs (a video optimisation);
    // off so that every image is fully processed.
    cacheSensitivity: 0,
    filter: { enabled: true, equalization: false, width: 0, height: 0, flip: false },
    face: {
      enabled: true,
      detector: { enabled: true, modelPath: 'blazeface.json', rotation: true, maxDetected: 1, return: false, skipFrames: 0, skipTime: 0 },
      mesh: { enabled: true, modelPath: 'facemesh.json' },
      attention: { enabled: false },
      iris: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: true, modelPath: 'faceres.json', skipFrames: 0, skipTime: 0 },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  };
}

const routedTfs = new WeakSet<Tf>();

/** Lets tfjs load file:// model URLs from disk (Node's fetch cannot). */
function registerFileRouter(tf: Tf): void {
  if (routedTfs.has(tf)) return;
  routedTfs.add(tf);
  tf.io.registerLoadRouter((url) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    const modelPath = fileURLToPath(url);
    return {
      async load() {
        const modelJSON = JSON.parse(await readFile(modelPath, 'utf8')) as TfModelJSON;
        return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
          const specs: unknown[] = [];
          const shards: Uint8Array[] = [];
          for (const group of manifest) {
            specs.push(...group.weights);
            for (const p of group.paths) shards.push(await readFile(join(dirname(modelPath), p)));
          }
          const all = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
          let offset = 0;
          for (const s of shards) {
            all.set(s, offset);
            offset += s.byteLength;
          }
          return [specs, all.buffer];
        });
      },
    };
  });
}

interface LoadedHuman {
  human: HumanInstance;
  modelsUsed: string[];
}

let loading: Promise<LoadedHuman> | null = null;

async function loadHuman(): Promise<LoadedHuman> {
  const require = createRequire(import.meta.url);
  let mod: HumanModule;
  let humanDir: string;
  let wasmDir: string;
  try {
    // The "node" export is the tfjs-node build; the wasm build sits beside it.
    humanDir = resolve(dirname(require.resolve('@vladmandic/human')), '..');
    wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    mod = require(join(humanDir, 'dist', 'human.node-wasm.js')) as HumanModule;
  } catch (err) {
    throw new Error(`cannot load @vladmandic/human (wasm build) or its tfjs dependencies: ${(err as Error).message}`);
  }
  const modelBasePath = pathToFileURL(join(humanDir, 'models')).href + '/';
  const wasmPath = wasmDir + '/';
  const human = new mod.Human(humanConfig(modelBasePath, wasmPath));
  registerFileRouter(human.tf);
  try {
    await human.init();
  } catch (err) {
    throw new Error(`Human could not start the tfjs wasm backend (${wasmPath}): ${(err as Error).message}`);
  }
  const backend = human.tf.getBackend();
  if (backend !== 'wasm') throw new Error(`Human could not start the tfjs wasm backend (got "${backend}", wasm path ${wasmPath})`);
  // Human logs model load failures instead of throwing: check what actually loaded.
  await human.load();
  const loaded = human.models.stats().modelStats.filter((m) => m.loaded).map((m) => m.name);
  const missing = REQUIRED_MODELS.filter((m) => !loaded.includes(m));
  if (missing.length > 0) throw new Error(`Human failed to load model(s) ${missing.join(', ')} from ${modelBasePath}`);
  return { human, modelsUsed: [...REQUIRED_MODELS].map((m) => `${m}.json`) };
}

/** One Human instance per process (tfjs is a process-wide singleton). */
function getHuman(): Promise<LoadedHuman> {
  loading ??= loadHuman().catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}

/** Decodes a JPEG with sharp into an int32 [h, w, 3] tensor. */
async function decode(human: HumanInstance, image: Uint8Array): Promise<TfTensor> {
  const { data, info } = await sharp(image).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`);
  return human.tf.tensor3d(new Int32Array(data), [info.height, info.width, 3], 'int32');
}

/** decode → detect → mesh → embedding for one image; returns the embeddings found. */
async function embed(human: HumanInstance, image: Uint8Array): Promise<number[][]> {
  const tensor = await decode(human, image);
  try {
    const result = await human.detect(tensor);
    if (result.error) throw new Error(`Human detect failed: ${result.error}`);
    return result.face.map((f) => f.embedding ?? []).filter((e) => e.length > 0);
  } finally {
    tensor.dispose();
  }
}

/**
 * Runs Human's detect → embedding pipeline (the one its "face verify" demo uses: face
 * detector + mesh/alignment + description/embedding model) on each image, single process,
 * sequentially, repeated `rounds` times after one warm-up pass; returns throughput.
 */
export async function runHumanVerifyBench(images: Uint8Array[], rounds: number): Promise<HumanBenchResult> {
  if (images.length === 0) throw new Error('no images to benchmark');
  const rounds_ = Math.max(1, Math.floor(rounds));
  const { human, modelsUsed } = await getHuman();

  for (const image of images) await embed(human, image); // warm-up
  const tensorsBefore = human.tf.memory().numTensors;

  let facesFound = 0;
  const started = performance.now();
  for (let r = 0; r < rounds_; r++) {
    for (const image of images) {
      const found = (await embed(human, image)).length;
      if (r === 0) facesFound += found;
    }
  }
  const elapsedMs = performance.now() - started;

  const leaked = human.tf.memory().numTensors - tensorsBefore;
  if (leaked > 0) process.stderr.write(`human-verify: warning: ${leaked} tfjs tensors not released\n`);

  const processed = images.length * rounds_;
  return {
    imagesPerSecond: (processed * 1000) / elapsedMs,
    msPerImage: elapsedMs / processed,
    images: images.length,
    facesFound,
    backend: human.tf.getBackend(),
    humanVersion: human.version,
    modelsUsed,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let rounds = 3;
  const roundsAt = args.indexOf('--rounds');
  if (roundsAt >= 0) {
    rounds = Number(args[roundsAt + 1]);
    args.splice(roundsAt, 2);
  }
  if (args.length === 0 || !(rounds >= 1)) {
    process.stderr.write('usage: node dist/bench/human-verify.js [--rounds N] <image files...>\n');
    process.exit(2);
  }
  try {
    const images = await Promise.all(args.map(async (f) => new Uint8Array(await readFile(f))));
    const result = await runHumanVerifyBench(images, rounds);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } catch (err) {
    process.stderr.write(`Human comparison unavailable: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
