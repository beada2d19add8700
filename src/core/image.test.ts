import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cropRgb, rectToOutput, sampleToTensor, type RgbImage } from './image.js';

/** 4x2 image whose red channel encodes x and green channel encodes y. */
const img: RgbImage = {
  width: 4,
  height: 2,
  data: Uint8Array.from({ length: 24 }, (_, i) => {
    const px = Math.floor(i / 3);
    return [(px % 4) * 10, Math.floor(px / 4) * 100, 7][i % 3];
  }),
};

test('identity sampling reproduces the pixels in planar order, with channel swap and normalisation', () => {
  const rgb = sampleToTensor(img, rectToOutput(0, 0, 4, 2, 4, 2), { width: 4, height: 2, channels: 'RGB', mean: 0, scale: 1 });
  assert.deepEqual(Array.from(rgb.subarray(0, 4)), [0, 10, 20, 30]);
  assert.deepEqual(Array.from(rgb.subarray(8, 12)), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(rgb.subarray(12, 16)), [100, 100, 100, 100]);
  const bgr = sampleToTensor(img, rectToOutput(0, 0, 4, 2, 4, 2), { width: 4, height: 2, channels: 'BGR', mean: 7, scale: 0.5 });
  assert.deepEqual(Array.from(bgr.subarray(0, 4)), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(bgr.subarray(16, 20)), [-3.5, 1.5, 6.5, 11.5]);
});

test('sampling outside the frame repeats the edge or fills a constant', () => {
  const edge = sampleToTensor(img, rectToOutput(-4, 0, 4, 2, 4, 2), { width: 4, height: 2, channels: 'RGB', mean: 0, scale: 1 }, 'edge');
  assert.deepEqual(Array.from(edge.subarray(0, 4)), [0, 0, 0, 0]);
  const filled = sampleToTensor(img, rectToOutput(-8, 0, 4, 2, 4, 2), { width: 4, height: 2, channels: 'GRAY', mean: 0, scale: 1 }, 127);
  assert.deepEqual(Array.from(filled), Array(8).fill(127));
});

test('cropRgb halves resolution by averaging neighbours', () => {
  const half = cropRgb(img, 0, 0, 4, 2, 2, 1);
  assert.equal(half.data.length, 6);
  assert.equal(half.data[0], 5);
  assert.equal(half.data[1], 50);
});
