/** The CLI as a user runs it: a child process, JSON on stdout, exit codes. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { INSTALL_ROOT } from '../src/config.js';
import { DATASETS, labelledImages, lfwDevPairs } from './datasets.js';

const CLI = join(INSTALL_ROOT, 'dist', 'src', 'cli', 'main.js');

async function facegate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [CLI, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const johns = labelledImages('dlib-johns');
const [salley1, salley2] = johns.filter((im) => im.identity === johns[0].identity);
const other = johns.find((im) => im.identity !== johns[0].identity)!;

test('compare prints the matchWithSelfie fields', async () => {
  const same = await facegate('compare', salley1.path, salley2.path, '--level', 'HIGH');
  assert.equal(same.code, 0, same.stderr);
  const match = JSON.parse(same.stdout);
  assert.deepEqual(Object.keys(match).sort(), ['code', 'feedbackCode', 'level', 'matchHighestSecurityLevelReached', 'mode', 'multipleFacesImage', 'multipleFacesImageToVerifyAgainst', 'possibleMatch', 'score', 'similarityScore'].sort());
  assert.equal(match.possibleMatch, true);
  assert.ok(match.similarityScore >= 90 && Number.isInteger(match.similarityScore));
  const different = JSON.parse((await facegate('compare', salley1.path, other.path, '--mode', 'picture-id', '--level', 'MEDIUM')).stdout);
  assert.equal(different.possibleMatch, false);
  assert.equal(different.matchHighestSecurityLevelReached, 'NONE');
  assert.ok(different.similarityScore < 60);
});

test('errors: usage errors exit 64, image errors exit 2 with the spec code', async () => {
  const badLevel = await facegate('compare', salley1.path, salley2.path, '--level', 'LOW');
  assert.equal(badLevel.code, 2);
  assert.equal(JSON.parse(badLevel.stdout).error.feedbackCode, 'ERROR_INVALID_MATCH_LEVEL');
  const notImage = await facegate('detect', join(DATASETS, 'README.md'));
  assert.equal(notImage.code, 2);
  assert.equal(JSON.parse(notImage.stdout).error.code, 504);
  assert.match(notImage.stderr, /ERROR_INVALID_FORMAT/);
  const unknown = await facegate('frobnicate');
  assert.equal(unknown.code, 64);
});

test('detect and liveness and quality print their blocks', async () => {
  const detected = JSON.parse((await facegate('detect', join(DATASETS, 'faceapi-bbt', 'images', 'bbt2.jpg'))).stdout);
  assert.equal(detected.multipleFaces, true);
  assert.equal(detected.faces[0].primary, true);
  assert.equal(detected.landmarks.length, 5);
  const live = JSON.parse((await facegate('liveness', salley1.path, '--level', 'LOW')).stdout);
  assert.ok(live.score >= 0 && live.score <= 1);
  assert.equal(typeof live.passed, 'boolean');
  const q = JSON.parse((await facegate('quality', salley1.path, '--mode', 'VERIFY')).stdout);
  assert.ok(['OPEN', 'CLOSED'].includes(q.quality.eyes_status));
  assert.equal(typeof q.icao_data.is_compliant, 'boolean');
});

test('eval pairs on a fixed 500-pair lfw-dev subset reaches at least 98% accuracy, in input order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'facegate-eval-'));
  const pairsFile = join(dir, 'pairs.tsv');
  const lines = lfwDevPairs(250);
  writeFileSync(pairsFile, lines + `missing/nothing.jpg\t${lines.split('\t')[0]}\t0\n`);
  const run = await facegate('eval', 'pairs', pairsFile, '--root', join(DATASETS, 'lfw-dev'), '--level', 'MEDIUM');
  assert.equal(run.code, 0, run.stderr);
  const out = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const input = lines.trim().split('\n').map((l) => l.split('\t'));
  assert.equal(out.length, 501);
  out.slice(0, 500).forEach((row, i) => assert.deepEqual([row.a, row.b, row.same], [input[i][0], input[i][1], input[i][2] === '1']));
  const scored = out.filter((row) => !row.error);
  assert.equal(scored.length, 500);
  const accuracy = scored.filter((row) => row.possibleMatch === row.same).length / scored.length;
  assert.ok(accuracy >= 0.98, `accuracy ${accuracy}`);
  assert.equal(out[500].error.code, 'ERROR_INVALID_ARGUMENT');
  assert.match(run.stderr, /TAR at FAR 1e-3/);
  assert.match(run.stderr, /EER \d+\.\d+%/);
});
