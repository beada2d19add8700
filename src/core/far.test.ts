import assert from 'node:assert/strict';
import { test } from 'node:test';
import { empiricalThreshold, farThreshold, shareAtOrAbove, tailFitThreshold } from './far.js';

/** Deterministic standard-normal sample via the inverse CDF on a regular grid. */
function normalSample(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = inverseNormal((i + 0.5) / n) * 0.1;
  return out.sort().reverse();
}

function inverseNormal(p: number): number {
  // Acklam's rational approximation, accurate to ~1e-9.
  const a = [-39.6968302866538, 220.946098424521, -275.928510446969, 138.357751867269, -30.6647980661472, 2.50662827745924];
  const b = [-54.4760987982241, 161.585836858041, -155.698979859887, 66.8013118877197, -13.2806815528857];
  const c = [-0.00778489400243029, -0.322396458041136, -2.40075827716184, -2.54973253934373, 4.37466414146497, 2.93816398269878];
  const d = [0.00778469570904146, 0.32246712907004, 2.445134137143, 3.75440866190742];
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - 0.02425) return -inverseNormal(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

const sample = normalSample(1_000_000);

test('empirical threshold accepts the requested share', () => {
  const t = empiricalThreshold(sample, 1e-3);
  assert.equal(shareAtOrAbove(sample, t), 1e-3);
  assert.ok(Math.abs(t - 0.309) < 0.002, `threshold ${t}`);
});

test('tail fit of a Gaussian tail errs on the strict side, by a bounded margin', () => {
  // True 1e-6 quantile of N(0, 0.1) is 0.4753.
  const t = tailFitThreshold(sample, 1e-6);
  assert.ok(t > 0.4753 && t < 0.56, `threshold ${t}`);
});

test('farThreshold uses the empirical quantile where the sample supports it', () => {
  assert.equal(farThreshold(sample, 1e-3).method, 'empirical');
  assert.equal(farThreshold(sample, 1e-5).method, 'tail-fit');
});
