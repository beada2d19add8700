/**
 * `facegate eval liveness`: passive liveness of labelled stills, one JSON line
 * per image in manifest order, then APCER and BPCER at every level.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { apcerBpcer, isBonaFideLabel, type ErrorRate, type ScoredPresentation } from '../core/error-rates.js';
import { FacegateError } from '../core/errors.js';
import { LIVENESS_LEVELS, type LivenessThresholds } from '../core/liveness.js';
import { processFiles } from '../engine/batch.js';
import { manifestList } from './manifest.js';
import type { FaceEngine } from '../engine/engine.js';

export interface ImageEntry { file: string; label: string }

export function parseImageManifest(text: string, where: string): ImageEntry[] {
  const images = manifestList(text, where, 'images');
  return images.map((image: unknown, i): ImageEntry => {
    const { file, label } = (image ?? {}) as Record<string, unknown>;
    if (typeof file !== 'string' || typeof label !== 'string') throw new FacegateError('ERROR_INVALID_ARGUMENT', `${where}: images[${i}] needs a "file" and a "label"`);
    return { file, label };
  });
}

export async function evalLiveness(engine: FaceEngine, manifestPath: string, options: { write: (line: string) => void; log: (line: string) => void }): Promise<void> {
  const entries = parseImageManifest(await readFile(manifestPath, 'utf8'), manifestPath);
  const root = dirname(resolve(manifestPath));
  const pathOf = (entry: ImageEntry) => resolve(root, entry.file);
  const started = Date.now();
  // The level only shapes `passed`, which is not reported: the score and the highest level reached do not depend on it.
  const outcomes = await processFiles(
    [...new Set(entries.map(pathOf))],
    async (bytes) => {
      const { score, as_highest_security_level_reached } = await engine.liveness(bytes, 'LOW');
      return { score, as_highest_security_level_reached };
    },
    {
      inFlight: engine.stats.workers * 2,
      onProgress: (done, total) => {
        if (done % 100 === 0 || done === total) options.log(`eval: ${done}/${total} images (${((done * 1000) / (Date.now() - started)).toFixed(1)}/s)`);
      },
    },
  );
  const scored: ScoredPresentation[] = [];
  const errorCodes: string[] = [];
  for (const entry of entries) {
    const outcome = outcomes.get(pathOf(entry))!;
    if (!outcome.ok) {
      options.write(JSON.stringify({ file: entry.file, label: entry.label, error: { code: outcome.error.code, message: outcome.error.message } }));
      errorCodes.push(outcome.error.code);
      continue;
    }
    const bonaFide = isBonaFideLabel(entry.label);
    options.write(JSON.stringify({ file: entry.file, label: entry.label, bonaFide, ...outcome.value }));
    scored.push({ score: outcome.value.score, bonaFide });
  }
  options.log(summarize(engine.calibration.liveness.thresholds, scored, errorCodes));
}

function summarize(thresholds: LivenessThresholds, scored: readonly ScoredPresentation[], errorCodes: readonly string[]): string {
  const bonaFide = scored.filter((s) => s.bonaFide).length;
  const byCode = new Map<string, number>();
  for (const code of errorCodes) byCode.set(code, (byCode.get(code) ?? 0) + 1);
  const lines = [
    `eval: ${scored.length} of ${scored.length + errorCodes.length} images scored (${bonaFide} bona fide, ${scored.length - bonaFide} attacks)` +
      (errorCodes.length > 0 ? `; ${errorCodes.length} errored (${[...byCode].map(([code, n]) => `${code} ${n}`).join(', ')}) and are left out of the rates` : ''),
    `eval: ${'level'.padEnd(18)} ${'score >='.padEnd(8)}  ${'APCER (attacks accepted), 95% CI'.padEnd(36)}  BPCER (bona fide rejected), 95% CI`,
  ];
  for (const level of LIVENESS_LEVELS) {
    const { apcer, bpcer } = apcerBpcer(scored, thresholds[level]);
    lines.push(`eval: ${level.padEnd(18)} ${thresholds[level].toFixed(4).padEnd(8)}  ${formatRate(apcer, 'attacks').padEnd(36)}  ${formatRate(bpcer, 'bona fide')}`);
  }
  return lines.join('\n');
}

function formatRate(r: ErrorRate, of: string): string {
  if (r.of === 0) return `- (no ${of})`;
  const pct = (x: number) => (x * 100).toFixed(1);
  return `${pct(r.rate)}% [${pct(r.low)}-${pct(r.high)}%] ${r.errors}/${r.of}`;
}
