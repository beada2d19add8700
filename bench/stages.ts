/**
 * Where one image's decode → template time goes, on one thread: decode,
 * detector input and inference, recognition input and inference.
 * Usage: npm run build && node dist/bench/stages.js
 */
import { DEFAULT_PACK_DIR } from '../src/config.js';
import { rectToOutput, sampleToTensor } from '../src/core/image.js';
import { median } from '../src/core/numeric.js';
import { decodeImage } from '../src/engine/decode.js';
import { openModelPack } from '../src/engine/pack.js';
import { loadOnnxModel } from '../src/engine/runtime.js';
import { selfieJpegs } from './images.js';

const images = await selfieJpegs(40);
const { manifest, dir } = await openModelPack(DEFAULT_PACK_DIR);
const { detector, embedder } = manifest.models;
const detectorModel = await loadOnnxModel(`${dir}/${detector.file}`, detector.graphOptimizationLevel);
const embedderModel = await loadOnnxModel(`${dir}/${embedder.file}`, embedder.graphOptimizationLevel);
const stages: Record<string, number[]> = { decode: [], 'detector input': [], 'detector inference': [], 'recognition input': [], 'recognition inference': [] };

for (let round = 0; round < 3; round++) {
  for (const bytes of images) {
    const lap = (() => { let t = performance.now(); return (stage: string) => { const now = performance.now(); if (round > 0) stages[stage].push(now - t); t = now; }; })();
    const { image } = await decodeImage(bytes);
    lap('decode');
    const detectorInput = sampleToTensor(image, rectToOutput(0, 0, image.width, image.height, detector.input.width, detector.input.height), detector.input);
    lap('detector input');
    await detectorModel.run(detectorInput, [1, 3, detector.input.height, detector.input.width]);
    lap('detector inference');
    const faceInput = sampleToTensor(image, rectToOutput(220, 140, 200, 200, embedder.input.width, embedder.input.height), embedder.input);
    lap('recognition input');
    await embedderModel.run(faceInput, [1, 3, embedder.input.height, embedder.input.width]);
    lap('recognition inference');
  }
}
for (const [stage, ms] of Object.entries(stages)) process.stdout.write(`${stage.padEnd(22)} ${median(ms).toFixed(2)} ms (median of ${ms.length})\n`);
await Promise.all([detectorModel.dispose(), embedderModel.dispose()]);
