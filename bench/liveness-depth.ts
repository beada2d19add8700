/**
 * How far from flat each clip's landmark motion is: for every frame, the
 * homography residual against the clip's first frontal frame (the depth check
 * of active liveness), with the yaw fr_pose reads. This is what the depth
 * threshold in docs/liveness.md was chosen from.
 * Usage: node dist/bench/liveness-depth.js <manifest.json>... [--fps 10]
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_ACTIVE_THRESHOLDS } from '../src/core/active-liveness/challenge.js';
import { depthResidual } from '../src/core/active-liveness/verify.js';
import type { FrameObservation } from '../src/core/active-liveness/tracker.js';
import { readClipFrames } from '../src/cli/clip-frames.js';
import { parseClipManifest } from '../src/cli/eval-active.js';
import { processFiles } from '../src/engine/batch.js';
import { FaceEngine } from '../src/engine/engine.js';
import { dot } from '../src/core/template.js';
import { DEFAULT_PACK_DIR } from '../src/config.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { fps: { type: 'string', default: '10' } } });
const engine = await FaceEngine.open({ packDir: DEFAULT_PACK_DIR });
const rows = [];
try {
  for (const manifest of positionals) {
    for (const entry of parseClipManifest(await readFile(manifest, 'utf8'), manifest)) {
      const clip = await readClipFrames(resolve(dirname(manifest), entry.file), { fps: entry.fps, decodeFps: Number(values.fps) });
      const byPath = new Map(clip.frames.map((f, seq) => [f.path, { seq, at: f.at }]));
      const results = await processFiles(clip.frames.map((f) => f.path), (bytes, path) => engine.observe(bytes, byPath.get(path)!), { inFlight: engine.stats.workers * 2 });
      await clip.dispose();
      const frames = clip.frames.map((f) => results.get(f.path)).flatMap((r) => (r?.ok && r.value.observation.face ? [r.value.observation as FrameObservation & { face: NonNullable<FrameObservation['face']> }] : []));
      const limit = DEFAULT_ACTIVE_THRESHOLDS.frontalMaxDeg;
      const frontal = frames.find((f) => Math.abs(f.face.yaw) <= limit && Math.abs(f.face.pitch) <= limit);
      if (!frontal) continue;
      const measured = frames.map((f) => ({ dyaw: f.face.yaw - frontal.face.yaw, residual: depthResidual(frontal.face.landmarks, f.face.landmarks) }));
      const mostTurned = measured.reduce((a, b) => (Math.abs(b.dyaw) > Math.abs(a.dyaw) ? b : a));
      const similarity = (f: (typeof frames)[number]) => dot(f.face.template!, frontal.face.template!);
      const farTurned = frames.filter((f) => Math.abs(f.face.yaw - frontal.face.yaw) > DEFAULT_ACTIVE_THRESHOLDS.identityMaxYawDeg).map(similarity);
      const secondFaces = clip.frames.flatMap((f) => { const r = results.get(f.path); return r?.ok ? r.value.observation.otherFaceScores : []; });
      rows.push({
        clip: entry.file.split('/').slice(-2).join('/'),
        label: entry.label ?? '',
        framesWithFace: `${frames.length}/${clip.frames.length}`,
        yawRange: `${Math.min(...measured.map((m) => m.dyaw)).toFixed(0)}..${Math.max(...measured.map((m) => m.dyaw)).toFixed(0)}`,
        residualMostTurned: `${(mostTurned.residual * 100).toFixed(1)}%`,
        residualMax: `${(Math.max(...measured.map((m) => m.residual)) * 100).toFixed(1)}%`,
        // What the identity rules were chosen from: far-turned faces against the frontal one, and second detections.
        lowestSimilarityTurned30: farTurned.length ? Math.min(...farTurned).toFixed(2) : '-',
        secondDetectionScores: secondFaces.length ? `${Math.min(...secondFaces).toFixed(2)}..${Math.max(...secondFaces).toFixed(2)}` : '-',
      });
    }
  }
} finally {
  await engine.close();
}
console.table(rows);
