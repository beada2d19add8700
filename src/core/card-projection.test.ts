import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cardHomography, warpPerspective, type CardView } from './card-projection.js';
import type { Point } from './geometry.js';
import { applyHomography } from './homography.js';
import type { RgbImage } from './image.js';

const view: CardView = { cardWidth: 300, cardHeight: 400, distance: 800, yawDeg: 0, pitchDeg: 0, focal: 600, frameWidth: 640, frameHeight: 480 };

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test('a frontal card is a pure scale by focal / distance, centred in the frame', () => {
  const s = 600 / 800;
  const expected = [s, 0, 320 - s * 150, 0, s, 240 - s * 200, 0, 0, 1];
  cardHomography(view).forEach((v, i) => close(v, expected[i], `h[${i}]`));
});

/** Rotates a card point in 3-D (pitch about x, then yaw about y) and projects it, written out independently of the homography. */
function projectCorner(v: CardView, [x, y]: Point): Point {
  const [px, py] = [x - v.cardWidth / 2, y - v.cardHeight / 2];
  const pitch = (v.pitchDeg * Math.PI) / 180;
  const yaw = (v.yawDeg * Math.PI) / 180;
  // Positive pitch sends the top (negative y) away from the camera (positive z).
  const [ax, ay, az] = [px, py * Math.cos(pitch), -py * Math.sin(pitch)];
  // Positive yaw sends the left edge (negative x) away.
  const [bx, by, bz] = [ax * Math.cos(yaw) + az * Math.sin(yaw), ay, -ax * Math.sin(yaw) + az * Math.cos(yaw)];
  const z = bz + v.distance;
  return [(v.focal * bx) / z + v.frameWidth / 2, (v.focal * by) / z + v.frameHeight / 2];
}

test('the corners of a tilted card land where rotating and projecting them in 3-D puts them', () => {
  for (const [yawDeg, pitchDeg] of [[35, 0], [-35, 0], [0, 25], [-30, 20], [15, -10]]) {
    const tilted = { ...view, yawDeg, pitchDeg };
    const h = cardHomography(tilted);
    for (const corner of [[0, 0], [300, 0], [300, 400], [0, 400], [150, 200]] as Point[]) {
      const [u, v] = applyHomography(h, corner);
      const [eu, ev] = projectCorner(tilted, corner);
      close(u, eu, `yaw ${yawDeg} pitch ${pitchDeg} corner ${corner} x`);
      close(v, ev, `yaw ${yawDeg} pitch ${pitchDeg} corner ${corner} y`);
    }
  }
});

test('the receding edge looks shorter: negative yaw recedes the right edge, positive pitch the top edge', () => {
  const edge = (h: number[], a: Point, b: Point) => {
    const [p, q] = [applyHomography(h, a), applyHomography(h, b)];
    return Math.hypot(p[0] - q[0], p[1] - q[1]);
  };
  const turned = cardHomography({ ...view, yawDeg: -35 });
  assert.ok(edge(turned, [300, 0], [300, 400]) < edge(turned, [0, 0], [0, 400]));
  const up = cardHomography({ ...view, pitchDeg: 25 });
  assert.ok(edge(up, [0, 0], [300, 0]) < edge(up, [0, 400], [300, 400]));
});

function checkerboard(width: number, height: number, cell: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.fill((Math.floor(x / cell) + Math.floor(y / cell)) % 2 ? 255 : 0, (y * width + x) * 3, (y * width + x) * 3 + 3);
  }
  return { width, height, data };
}

test('warping by the identity leaves a checkerboard unchanged', () => {
  const board = checkerboard(37, 23, 4);
  const out = warpPerspective(board, [1, 0, 0, 0, 1, 0, 0, 0, 1], 37, 23, [9, 9, 9]);
  assert.deepEqual(out.data, board.data);
});

test('output pixels that map outside the card, or behind the camera, get the background', () => {
  const card: RgbImage = { width: 10, height: 10, data: new Uint8Array(300).fill(200) };
  const out = warpPerspective(card, [1, 0, 5, 0, 1, 5, 0, 0, 1], 30, 30, [10, 20, 30]);
  const at = (x: number, y: number) => [...out.data.subarray((y * 30 + x) * 3, (y * 30 + x) * 3 + 3)];
  assert.deepEqual(at(10, 10), [200, 200, 200]);
  for (const [x, y] of [[0, 0], [4, 10], [15, 10], [10, 15], [29, 29]]) assert.deepEqual(at(x, y), [10, 20, 30], `pixel ${x},${y}`);
  // Output (20.5, 5.5) maps back to card point (9.76, 2.62) but with w < 0: a point behind the camera, not on the card.
  const behind = warpPerspective(card, [-2, 0, 0, 0, -2, 0, -0.2, 0, 1], 30, 30, [10, 20, 30]);
  assert.deepEqual([...behind.data.subarray((5 * 30 + 20) * 3, (5 * 30 + 20) * 3 + 3)], [10, 20, 30]);
});
