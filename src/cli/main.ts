#!/usr/bin/env node
/**
 * `facegate <command>`: JSON on stdout (--pretty for people), progress on
 * stderr, a non-zero exit code with the error code on failure.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseMatchLevel, type MatchMode } from '../core/calibration.js';
import { passiveOutcome } from '../core/active-liveness/levels.js';
import { FacegateError } from '../core/errors.js';
import { parseLivenessLevel } from '../core/liveness.js';
import type { QualityMode } from '../core/quality.js';
import { templateToBase64 } from '../core/template.js';
import { loadEngineConfig } from '../config.js';
import { processFiles } from '../engine/batch.js';
import { FaceEngine } from '../engine/engine.js';
import { evalActive } from './eval-active.js';
import { evalLiveness } from './eval-liveness.js';
import { evalPairs } from './eval-pairs.js';
import { boxJson, USAGE } from './format.js';
import { serverCommands } from './server-commands.js';
import { tlsCommands } from './tls-commands.js';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pretty: { type: 'boolean', default: false },
    level: { type: 'string' },
    mode: { type: 'string' },
    root: { type: 'string' },
    pack: { type: 'string' },
    workers: { type: 'string' },
    name: { type: 'string' },
    permissions: { type: 'string' },
    'save-photo': { type: 'string' },
    'keep-templates': { type: 'string' },
    'match-level': { type: 'string' },
    'liveness-level': { type: 'string' },
    server: { type: 'string' },
    gallery: { type: 'string' },
    'callback-url': { type: 'string' },
    out: { type: 'string' },
    dir: { type: 'string' },
    host: { type: 'string' },
    days: { type: 'string' },
    'ca-dir': { type: 'string' },
    cn: { type: 'string' },
    org: { type: 'string' },
    'out-key': { type: 'string' },
    'out-csr': { type: 'string' },
    fps: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const print = (value: unknown) => process.stdout.write(JSON.stringify(value, null, opts.pretty ? 2 : undefined) + '\n');
const fail = (message: string): never => {
  throw new FacegateError('ERROR_INVALID_ARGUMENT', message);
};

async function withEngine<T>(run: (engine: FaceEngine) => Promise<T>): Promise<T> {
  const config = loadEngineConfig({ ...process.env, ...(opts.pack ? { FACEGATE_MODEL_PACK: opts.pack } : {}), ...(opts.workers ? { FACEGATE_WORKERS: opts.workers } : {}) });
  const engine = await FaceEngine.open(config);
  try {
    return await run(engine);
  } finally {
    await engine.close();
  }
}

const readImage = async (path: string | undefined): Promise<Uint8Array> => {
  if (!path) return fail('missing image path');
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    return fail(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
};

function matchMode(value: string | undefined): MatchMode {
  if (value === undefined || value === 'selfie') return 'selfie';
  if (value === 'picture-id') return 'picture-id';
  return fail(`--mode must be selfie or picture-id, got "${value}"`);
}

function positiveNumber(value: string, name: string): number {
  const n = Number(value);
  return n > 0 && Number.isFinite(n) ? n : fail(`${name} must be a positive number, got "${value}"`);
}

function qualityMode(value: string | undefined): QualityMode {
  const mode = (value ?? 'ENROL').toUpperCase();
  if (mode === 'ENROL' || mode === 'VERIFY' || mode === 'DISABLED') return mode;
  return fail(`--mode must be ENROL, VERIFY or DISABLED, got "${value}"`);
}

const commands: Record<string, (args: string[]) => Promise<void>> = {
  async detect([path]) {
    const bytes = await readImage(path);
    await withEngine(async (engine) => {
      const a = await engine.analyze(bytes);
      print({
        image: path,
        width: a.width,
        height: a.height,
        faceCount: a.faces.length,
        multipleFaces: a.multipleFaces,
        faces: a.faces.map((f, i) => ({ ...boxJson(f.box), score: Number(f.score.toFixed(4)), primary: i === 0 })),
        landmarks: a.primary?.landmarks.map(([x, y]) => [Number(x.toFixed(1)), Number(y.toFixed(1))]) ?? null,
      });
    });
  },

  async template(paths) {
    if (paths.length === 0) fail('template needs at least one image');
    let failures = 0;
    await withEngine(async (engine) => {
      const mode = qualityMode(opts.mode ?? 'DISABLED');
      const results = await processFiles(paths, (bytes) => engine.gatedTemplate(bytes, mode), { inFlight: engine.stats.workers * 2 });
      for (const path of paths) {
        const r = results.get(path)!;
        if (r.ok) print({ image: path, modelId: r.value.template.modelId, template: templateToBase64(r.value.template), face: boxJson(r.value.analysis.primary!.box), multipleFaces: r.value.analysis.multipleFaces });
        else {
          failures++;
          print({ image: path, error: r.error.toJSON() });
        }
      }
    });
    if (failures > 0) process.exitCode = 2;
  },

  async compare([a, b]) {
    const [imageA, imageB] = [await readImage(a), await readImage(b)];
    const level = parseMatchLevel(opts.level ?? 'HIGH');
    const mode = matchMode(opts.mode);
    await withEngine(async (engine) => {
      const result = await engine.compare(imageA, imageB, { mode, level });
      print({ code: 200, feedbackCode: 'FEEDBACK_MATCHED', mode, level, ...result });
    });
  },

  async liveness([path]) {
    const bytes = await readImage(path);
    const level = parseLivenessLevel(opts.level ?? 'MODERATE');
    await withEngine(async (engine) => {
      const { analysis, multipleFaces, ...decision } = await engine.liveness(bytes, level);
      const { score, passed, as_highest_security_level_reached, method, reason, message } = passiveOutcome(decision, level);
      print({ image: path, level, score, passed, as_highest_security_level_reached, method, reason, message, multipleFaces, face: boxJson(analysis.primary!.box) });
    });
  },

  async quality([path]) {
    const bytes = await readImage(path);
    const mode = qualityMode(opts.mode);
    await withEngine(async (engine) => {
      const { assessment, rejection } = await engine.quality(bytes, mode);
      print({ image: path, mode, passed: rejection === null, reason: rejection, quality: assessment.quality, icao_data: assessment.icao, measurements: assessment.measurements });
    });
  },

  async eval([what, file]) {
    const write = (line: string) => process.stdout.write(line + '\n');
    const log = (line: string) => process.stderr.write(line + '\n');
    if (!file || !['pairs', 'liveness', 'active'].includes(what)) {
      fail('usage: facegate eval pairs <file> [--root DIR] [--mode selfie|picture-id] [--level LEVEL] | eval liveness <manifest.json> | eval active <manifest.json> [--fps N]');
    }
    await withEngine((engine) => {
      if (what === 'liveness') return evalLiveness(engine, file, { write, log });
      if (what === 'active') return evalActive(engine, file, { decodeFps: positiveNumber(opts.fps ?? '10', '--fps'), write, log });
      return evalPairs(engine, file, { root: opts.root, mode: matchMode(opts.mode), level: opts.level ?? 'MEDIUM', write, log });
    });
  },

  async models([what]) {
    if (what !== 'pull') fail('usage: facegate models pull [--pack DIR]');
    // Plain JS shared with the npm postinstall step, which runs before the build.
    const { pullModelPack } = (await import(new URL('../../../scripts/fetch-models.mjs', import.meta.url).href)) as {
      pullModelPack: (o: { packDir?: string }) => Promise<{ destDir: string; downloaded: boolean }>;
    };
    print(await pullModelPack(opts.pack ? { packDir: opts.pack } : {}));
  },
};

async function main(): Promise<void> {
  const [name, ...rest] = positionals;
  if (opts.help || !name) {
    process.stdout.write(USAGE);
    return;
  }
  const io = { opts, print, fail };
  const command = commands[name] ?? serverCommands(io)[name] ?? tlsCommands(io)[name];
  if (!command) fail(`unknown command "${name}"; run "facegate --help"`);
  await command(rest);
}

main().catch((err: unknown) => {
  const error = err instanceof FacegateError ? err : new FacegateError('ERROR_SERVER_INTERNAL', (err as Error)?.stack ?? String(err));
  print({ error: error.toJSON() });
  process.stderr.write(`facegate: ${error.code}: ${error.message}\n`);
  process.exitCode = error.code === 'ERROR_INVALID_ARGUMENT' ? 64 : 2;
});
