import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Point } from './geometry.js';
import { applyHomography, fitHomography, homographyResidual } from './homography.js';

const grid: Point[] = [];
for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) grid.push([30 + i * 40, 50 + j * 35]);

test('fitHomography recovers a known projective transform exactly', () => {
  const truth = [1.1, 0.2, 15, -0.1, 0.9, 7, 0.0008, -0.0005, 1];
  const moved = grid.map((p) => applyHomography(truth, p));
  const h = fitHomography(grid, moved);
  truth.forEach((v, i) => assert.ok(Math.abs(h[i] - v) < 1e-9 * Math.max(1, Math.abs(v)), `coefficient ${i}: ${h[i]} vs ${v}`));
  assert.ok(homographyResidual(grid, moved) < 1e-9);
});

test('homographyResidual is large when points move off any plane mapping', () => {
  const bent = grid.map(([x, y]): Point => [x + 0.002 * (x - 110) ** 2, y]);
  assert.ok(homographyResidual(grid, bent) > 1);
});

test('fitHomography refuses too few or coincident points', () => {
  assert.throws(() => fitHomography(grid.slice(0, 3), grid.slice(0, 3)), RangeError);
  const same: Point[] = [[1, 1], [1, 1], [1, 1], [1, 1]];
  assert.throws(() => fitHomography(same, same), RangeError);
});
