import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_ACTIVE_THRESHOLDS } from './challenge.js';
import { projectFace } from './synthetic-face.js';
import { depthResidual } from './verify.js';

const frontal = projectFace({});
const limit = DEFAULT_ACTIVE_THRESHOLDS.depthResidual;

test('a three-dimensional head turning or looking up moves its landmarks off any homography', () => {
  for (const yawDeg of [-30, -20, 20, 30]) assert.ok(depthResidual(frontal, projectFace({ yawDeg })) > limit, `yaw ${yawDeg}`);
  assert.ok(depthResidual(frontal, projectFace({ pitchDeg: 25 })) > limit / 2, 'pitch 25');
});

test('the same points on a flat card, tilted, moved closer and projected, stay a homography', () => {
  const card = projectFace({}, true);
  for (const view of [{ yawDeg: 35 }, { yawDeg: -35 }, { pitchDeg: 25 }, { distance: 5.5 }, { yawDeg: 30, distance: 6 }]) {
    assert.ok(depthResidual(card, projectFace(view, true)) < 1e-6, JSON.stringify(view));
  }
});

test('depth grows with the turn', () => {
  const small = depthResidual(frontal, projectFace({ yawDeg: 10 }));
  const large = depthResidual(frontal, projectFace({ yawDeg: 30 }));
  assert.ok(large > 2 * small, `${small} vs ${large}`);
});
