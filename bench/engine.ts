/**
 * Engine throughput on this machine: decode → template, compare of two images,
 * liveness + quality + template, single-image latency and peak RSS; then the
 * @vladmandic/human verify pipeline on the same images for a ratio.
 * Usage: npm run bench [-- --images 120 --runs 3]
 */
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { median } from '../src/core/numeric.js';
import { loadEngineConfig } from '../src/config.js';
import { FaceEngine } from '../src/engine/engine.js';
import { selfieJpegs } from './images.js';

const { values: args } = parseArgs({ options: { images: { type: 'string', default: '120' }, runs: { type: 'string', default: '3' }, 'skip-human': { type: 'boolean', default: false } } });
const imageCount = Number(args.images);
const runs = Number(args.runs);

/** Runs `task` over `items` keeping `inFlight` in progress; returns items per second. */
async function throughput<T>(items: readonly T[], inFlight: number, task: (item: T) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < items.length) await task(items[next++]);
  }));
  return (items.length * 1000) / (performance.now() - started);
}

async function medianOf(label: string, measure: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await measure());
  const m = median(values);
  process.stderr.write(`${label}: runs ${values.map((v) => v.toFixed(1)).join(', ')} → median ${m.toFixed(1)}\n`);
  return m;
}

const images = await selfieJpegs(imageCount);
const engine = await FaceEngine.open(loadEngineConfig());
const inFlight = engine.stats.workers * 2;
await throughput(images.slice(0, 8), inFlight, (img) => engine.analyze(img, { template: true, liveness: true, quality: true }));

const templatesPerSecond = await medianOf('decode → template, images/s', () => throughput(images, inFlight, (img) => engine.template(img)));
const pairs = images.slice(0, Math.floor(images.length / 2)).map((img, i) => [img, images[images.length - 1 - i]] as const);
const comparesPerSecond = await medianOf('compare two images, pairs/s', () => throughput(pairs, inFlight, ([a, b]) => engine.compare(a, b, { mode: 'selfie', level: 'HIGH' })));
const fullPerSecond = await medianOf('liveness + quality + template, images/s', () => throughput(images, inFlight, (img) => engine.analyze(img, { template: true, liveness: true, quality: true })));
const latencyMs = await medianOf('single-image latency (template, one at a time), ms', async () => 1000 / (await throughput(images.slice(0, 30), 1, (img) => engine.template(img))));
const peakRssMb = process.resourceUsage().maxRSS / 1024;
await engine.close();

let human: { imagesPerSecond: number; msPerImage: number; note: string } | null = null;
if (!args['skip-human']) {
  try {
    const { runHumanVerifyBench } = await import('./human-verify.js');
    const result = await runHumanVerifyBench(images.slice(0, 40), 2);
    human = { imagesPerSecond: result.imagesPerSecond, msPerImage: result.msPerImage, note: `${result.humanVersion}, ${result.backend}, ${result.modelsUsed.join(' + ')}` };
    process.stderr.write(`human verify pipeline: ${result.imagesPerSecond.toFixed(1)} images/s (single process)\n`);
  } catch (err) {
    process.stderr.write(`Human comparison unavailable: ${(err as Error).message}\n`);
  }
}

const result = {
  machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, node ${process.version}`,
  workers: engine.stats.workers,
  images: images.length,
  runs,
  templatesPerSecond,
  comparesPerSecond,
  livenessQualityTemplatePerSecond: fullPerSecond,
  singleImageLatencyMs: latencyMs,
  peakRssMb,
  human,
  humanThroughputRatio: human ? templatesPerSecond / human.imagesPerSecond : null,
  humanLatencyRatio: human ? human.msPerImage / latencyMs : null,
};
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
