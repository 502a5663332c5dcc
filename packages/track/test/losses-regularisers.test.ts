import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { backgroundLoss } from '../src/losses/background.js';
import { tableLoss } from '../src/losses/table.js';
import { checkGradient, randomConfiguration } from './losses-fixtures.js';

test('table loss is zero above the table and the mean depth below it', () => {
  const above = new Float32Array([0, 0, 0.01, 1, 2, 0.5, -3, 0, 0]);
  const r = tableLoss(above);
  assert.equal(r.value, 0);
  assert.ok(r.gradMeans!.every((g) => g === 0));
  // Two of four Gaussians below z = 0 by 1 cm and 3 cm.
  const mixed = new Float64Array([0, 0, -0.01, 0, 0, 0.2, 0, 0, -0.03, 0, 0, 0.1]);
  const m = tableLoss(mixed);
  assert.ok(Math.abs(m.value - 0.04 / 4) < 1e-15);
  assert.deepEqual(Array.from(m.gradMeans!), [0, 0, -0.25, 0, 0, 0, 0, 0, -0.25, 0, 0, 0]);
  // A raised table and a subset.
  const s = tableLoss(mixed, new Uint32Array([1, 3]), 0.15);
  assert.ok(Math.abs(s.value - 0.05 / 2) < 1e-15);
  assert.equal(s.gradMeans![5], 0);
  assert.equal(s.gradMeans![11], -0.5);
  assert.equal(tableLoss(mixed, new Uint32Array(0)).value, 0);
  assert.throws(() => tableLoss(mixed, new Uint32Array([4])), /indices\[0\] = 4/);
});

test('table loss gradient matches finite differences', () => {
  const rng = new Random(21);
  const means = new Float64Array(3 * 40);
  // Keep every z at least 1 mm away from the kink at the table.
  for (let i = 0; i < means.length; i++) {
    const v = rng.uniform(0.001, 0.02);
    means[i] = rng.next() < 0.5 ? v : -v;
  }
  const subset = new Uint32Array([0, 3, 4, 7, 8, 9, 20, 31, 39]);
  checkGradient('table', means, tableLoss(means, subset).gradMeans, () => tableLoss(means, subset).value);
  checkGradient('table (all)', means, tableLoss(means).gradMeans, () => tableLoss(means).value);
});

test('background loss is 0 with zero gradients (not NaN) when there is no background', () => {
  const c = randomConfiguration(22, 30);
  const r = backgroundLoss(c.means, c.quaternions, c.means0, c.prevQuaternions, new Uint32Array(0));
  assert.equal(r.value, 0);
  assert.equal(r.gradMeans!.length, 90);
  assert.equal(r.gradQuaternions!.length, 120);
  assert.ok(r.gradMeans!.every((g) => g === 0));
  assert.ok(r.gradQuaternions!.every((g) => g === 0));
});

test('background loss: known answers (L1 summed over xyz, normalised quaternions)', () => {
  const c = randomConfiguration(23, 10);
  const background = new Uint32Array([2, 5, 7, 9]);
  // Unmoved background with rescaled quaternions costs nothing: rotations are compared normalised.
  const scaled = Float64Array.from(c.prevQuaternions, (v) => 3 * v);
  const still = backgroundLoss(c.means0, scaled, c.means0, c.prevQuaternions, background);
  assert.ok(still.value < 1e-15, `${still.value}`);
  // One background Gaussian moved by (1, -2, 0) cm; a foreground one moved a lot (ignored).
  const means = Float64Array.from(c.means0);
  means[15] += 0.01;
  means[16] -= 0.02;
  means[0] += 1;
  const moved = backgroundLoss(means, c.prevQuaternions, c.means0, c.prevQuaternions, background);
  assert.ok(Math.abs(moved.value - 0.03 / 4) < 1e-12);
  assert.equal(moved.gradMeans![15], 0.25);
  assert.equal(moved.gradMeans![16], -0.25);
  assert.equal(moved.gradMeans![0], 0);
  // A background quaternion flipped in sign: |qhat - (-qhat)| summed = 2 * L1 norm of qhat.
  const flipped = Float64Array.from(c.prevQuaternions);
  for (let t = 0; t < 4; t++) flipped[20 + t] = -flipped[20 + t];
  const l1 = [0, 1, 2, 3].reduce((s, t) => s + Math.abs(c.prevQuaternions[20 + t]), 0);
  const f = backgroundLoss(c.means0, flipped, c.means0, c.prevQuaternions, background);
  assert.ok(Math.abs(f.value - (2 * l1) / 4) < 1e-12);
});

test('background loss gradients (means and quaternions) match finite differences', () => {
  const c = randomConfiguration(24, 40);
  const background = new Uint32Array(Array.from({ length: 15 }, (_, r) => 2 * r + 5));
  const value = () => backgroundLoss(c.means, c.quaternions, c.means0, c.prevQuaternions, background).value;
  const r = backgroundLoss(c.means, c.quaternions, c.means0, c.prevQuaternions, background);
  checkGradient('background means', c.means, r.gradMeans, value);
  checkGradient('background quaternions', c.quaternions, r.gradQuaternions, value);
  assert.throws(
    () => backgroundLoss(c.means, c.quaternions, c.means0, c.prevQuaternions, new Uint32Array([40])),
    /background\[0\] = 40/,
  );
});
