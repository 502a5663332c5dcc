import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { associatePoints, predictPoints } from '../src/metrics/association.js';

test('a Gaussian exactly at a truth point takes ~all the weight with k = 3 (1e-4 m distance floor)', () => {
  const truth0 = Float32Array.from([0, 0, 0]);
  const gaussians0 = Float32Array.from([0.1, 0, 0, 0, 0, 0, 0, 0.1, 0, 0, 0, 0.2]);
  const a = associatePoints(truth0, gaussians0, 3);
  assert.equal(a.k, 3);
  assert.deepEqual([...a.indices], [1, 0, 2]);
  // w = 1e4, 10, 10 -> 1e4 / 10020.
  assert.ok(Math.abs(a.weights[0] - 1e4 / 10020) < 1e-6, `weight ${a.weights[0]}`);
  assert.ok(a.weights[0] > 0.99);
  assert.ok(Math.abs(a.weights[1] - 10 / 10020) < 1e-6);
});

test('inverse-distance weights sum to 1 and follow 1/d (hand-computed)', () => {
  // Gaussians at 1 cm and 3 cm: weights 100 and 33.3 -> 0.75 and 0.25.
  const a = associatePoints(Float32Array.from([0, 0, 0]), Float32Array.from([0, 0.03, 0, 0.01, 0, 0]), 2);
  assert.deepEqual([...a.indices], [1, 0]);
  assert.ok(Math.abs(a.weights[0] - 0.75) < 1e-6 && Math.abs(a.weights[1] - 0.25) < 1e-6);
  const rng = new Random(9);
  const g = Float32Array.from({ length: 300 }, () => rng.uniform(-1, 1));
  const p = Float32Array.from({ length: 60 }, () => rng.uniform(-1, 1));
  const b = associatePoints(p, g, 4);
  for (let i = 0; i < 20; i++) {
    const s = b.weights[4 * i] + b.weights[4 * i + 1] + b.weights[4 * i + 2] + b.weights[4 * i + 3];
    assert.ok(Math.abs(s - 1) < 1e-6);
  }
});

test('predictPoints blends the associated Gaussians at every frame; k = 1 follows the nearest', () => {
  // Two Gaussians, two frames; the truth point sits at 1 cm from Gaussian 0 and 3 cm from Gaussian 1.
  const means = Float32Array.from([0.01, 0, 0, -0.03, 0, 0, /* frame 1 */ 0.01, 0, 1, -0.03, 1, 0]);
  const a = associatePoints(Float32Array.from([0, 0, 0]), means.subarray(0, 6), 2);
  const pred = predictPoints(a, means, 2, 2);
  const expected = [0.75 * 0.01 - 0.25 * 0.03, 0, 0, 0.75 * 0.01 - 0.25 * 0.03, 0.25, 0.75];
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(pred[i] - expected[i]) < 1e-6, `pred[${i}] = ${pred[i]}`);
  const nearest = predictPoints(
    associatePoints(Float32Array.from([0, 0, 0]), means.subarray(0, 6), 1),
    means,
    2,
    2,
  );
  assert.deepEqual([...nearest], [0.01, 0, 0, 0.01, 0, 1].map(Math.fround));
});

test('bad inputs are rejected', () => {
  const g = Float32Array.from([0, 0, 0, 1, 1, 1]);
  assert.throws(
    () => associatePoints(Float32Array.from([0, 0, 0]), g, 3),
    /k must be an integer from 1 to the number of Gaussians \(2\)/,
  );
  assert.throws(() => associatePoints(Float32Array.from([0, 0]), g), /truth0 has 2 values/);
  const a = associatePoints(Float32Array.from([0, 0, 0]), g, 1);
  assert.throws(() => predictPoints(a, new Float32Array(5), 1, 2), /means has 5 values/);
  assert.throws(
    () => predictPoints({ ...a, indices: Uint32Array.from([7]) }, new Float32Array(6), 1, 2),
    /index 7/,
  );
});
