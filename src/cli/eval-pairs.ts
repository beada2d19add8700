/**
 * `facegate eval pairs`: scores a list of image pairs. Every distinct image is
 * templated once, on all workers; results come out in input order.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { MATCH_LEVELS, decideMatch, levelThreshold, parseMatchLevel, type MatchMode } from '../core/calibration.js';
import { FacegateError } from '../core/errors.js';
import { accuracyAt, equalErrorRate, trueAcceptRate, type LabelledScore } from '../core/metrics.js';
import { cosineSimilarity } from '../core/template.js';
import { processFiles } from '../engine/batch.js';
import type { FaceEngine } from '../engine/engine.js';

export interface PairLine { a: string; b: string; same?: boolean }

export function parsePairLines(text: string): PairLine[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.replace(/\r$/, ''), number: index + 1 }))
    .filter(({ line }) => line.trim() !== '' && !line.startsWith('#'))
    .map(({ line, number }) => {
      const cols = line.split('\t');
      if (cols.length < 2 || cols.length > 3 || (cols.length === 3 && !['0', '1'].includes(cols[2].trim()))) {
        throw new FacegateError('ERROR_INVALID_ARGUMENT', `line ${number}: expected "pathA<TAB>pathB" or "pathA<TAB>pathB<TAB>1|0"`);
      }
      return cols.length === 3 ? { a: cols[0], b: cols[1], same: cols[2].trim() === '1' } : { a: cols[0], b: cols[1] };
    });
}

export async function evalPairs(
  engine: FaceEngine,
  file: string,
  options: { root?: string; mode: MatchMode; level: string; write: (line: string) => void; log: (line: string) => void },
): Promise<void> {
  const level = parseMatchLevel(options.level);
  const pairs = parsePairLines(await readFile(file, 'utf8'));
  const resolvePath = (p: string) => (options.root && !isAbsolute(p) ? join(options.root, p) : p);
  const distinct = [...new Set(pairs.flatMap((p) => [resolvePath(p.a), resolvePath(p.b)]))];
  const started = Date.now();
  const templates = await processFiles(distinct, async (bytes, path) => (await engine.template(bytes, path)).template, {
    inFlight: engine.stats.workers * 2,
    onProgress: (done, total) => {
      if (done % 100 === 0 || done === total) options.log(`eval: ${done}/${total} images (${((done * 1000) / (Date.now() - started)).toFixed(1)}/s)`);
    },
  });
  const labelled: LabelledScore[] = [];
  for (const pair of pairs) {
    const [ta, tb] = [templates.get(resolvePath(pair.a))!, templates.get(resolvePath(pair.b))!];
    const base = { a: pair.a, b: pair.b, ...(pair.same === undefined ? {} : { same: pair.same }) };
    if (!ta.ok || !tb.ok) {
      const failed = !ta.ok ? ta : (tb as { ok: false; error: FacegateError });
      options.write(JSON.stringify({ ...base, error: { code: failed.error.code, message: failed.error.message } }));
      continue;
    }
    const cosine = cosineSimilarity(ta.value, tb.value);
    options.write(JSON.stringify({ ...base, ...decideMatch(cosine, engine.calibration.match, options.mode, level) }));
    if (pair.same !== undefined) labelled.push({ score: cosine, same: pair.same });
  }
  if (labelled.length > 0) options.log(summarize(engine, labelled, pairs.length, options.mode));
}

function summarize(engine: FaceEngine, labelled: LabelledScore[], total: number, mode: MatchMode): string {
  const table = engine.calibration.match;
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const lines = [`eval: ${labelled.length} labelled pairs scored of ${total} (${labelled.filter((p) => p.same).length} genuine)`];
  for (const level of MATCH_LEVELS) {
    const t = levelThreshold(table, mode, level);
    lines.push(`eval: ${mode} ${level.padEnd(9)} cosine >= ${t.toFixed(4)}  accuracy ${pct(accuracyAt(labelled, (p) => p.score >= t))}  TAR ${pct(trueAcceptRate(labelled, t))}`);
  }
  const far1e3 = levelThreshold(table, 'selfie', 'MEDIUM');
  const { eer, threshold } = equalErrorRate(labelled);
  lines.push(`eval: TAR at FAR 1e-3 (calibrated threshold ${far1e3.toFixed(4)}): ${pct(trueAcceptRate(labelled, far1e3))}`);
  lines.push(`eval: EER ${pct(eer)} at cosine ${threshold.toFixed(4)}`);
  return lines.join('\n');
}
