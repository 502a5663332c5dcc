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

test('predictPoints carries the point by the displacement of its Gaussians; it is exact at frame 0', () => {
  // Two Gaussians, two frames; the truth point sits at 1 cm from Gaussian 0 and 3 cm from Gaussian 1 (weights 3/4,
  // 1/4). Frame 1 moves Gaussian 0 by +1 in z and Gaussian 1 by +1 in y, no rotations.
  const means = Float32Array.from([0.01, 0, 0, -0.03, 0, 0, /* frame 1 */ 0.01, 0, 1, -0.03, 1, 0]);
  const a = associatePoints(Float32Array.from([0, 0, 0]), means.subarray(0, 6), 2);
  const pred = predictPoints(a, means, 2, 2);
  const expected = [0, 0, 0, 0, 0.25, 0.75];
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(pred[i] - expected[i]) < 1e-6, `pred[${i}] = ${pred[i]}`);
  const nearest = predictPoints(
    associatePoints(Float32Array.from([0, 0, 0]), means.subarray(0, 6), 1),
    means,
    2,
    2,
  );
  for (const [i, v] of [0, 0, 0, 0, 0, 1].entries()) assert.ok(Math.abs(nearest[i] - v) < 1e-7);
});

test('predictPoints turns the offset with the Gaussian: a quarter turn about z', () => {
  // One Gaussian at the origin, the point 1 cm along x. At frame 1 the Gaussian moves to (1, 0, 0) and turns by 90
  // degrees about z, so the point must sit 1 cm along y from it. Frame 0 has a non-trivial rotation too (45 degrees
  // about x), which the offset must undo.
  const s = Math.SQRT1_2;
  const q45x = [Math.cos(Math.PI / 8), Math.sin(Math.PI / 8), 0, 0];
  // Frame 1 = quarter turn about z composed with frame 0's rotation: q = qz * q45x.
  const qz = [s, 0, 0, s];
  const q1 = [
    qz[0] * q45x[0] - qz[3] * q45x[3],
    qz[0] * q45x[1] + qz[1] * q45x[0] + qz[2] * q45x[3] - qz[3] * q45x[2],
    qz[0] * q45x[2] - qz[1] * q45x[3] + qz[2] * q45x[0] + qz[3] * q45x[1],
    qz[0] * q45x[3] + qz[1] * q45x[2] - qz[2] * q45x[1] + qz[3] * q45x[0],
  ];
  const means = Float32Array.from([0, 0, 0, 1, 0, 0]);
  const rotations = Float32Array.from([...q45x, ...q1]);
  const a = associatePoints(
    Float32Array.from([0.01, 0, 0]),
    means.subarray(0, 3),
    1,
    rotations.subarray(0, 4),
  );
  const pred = predictPoints(a, means, 2, 1, rotations);
  const expected = [0.01, 0, 0, 1, 0.01, 0];
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(pred[i] - expected[i]) < 1e-6, `pred[${i}] = ${pred[i]}`);
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
    () => predictPoints(a, new Float32Array(6), 1, 2, new Float32Array(4)),
    /rotations has 4 values/,
  );
  assert.throws(
    () => associatePoints(Float32Array.from([0, 0, 0]), g, 1, new Float32Array(4)),
    /rotations0 has 4/,
  );
  assert.throws(
    () => predictPoints({ ...a, indices: Uint32Array.from([7]) }, new Float32Array(6), 1, 2),
    /index 7/,
  );
});
