import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quatFromAxisAngle, quatMultiply, quatToMatrix, Random } from '@gsdyn/geometry';
import { applyRigidMotion, centreOf, radiusOf, rigidMotionGradient } from '../src/rigid-alignment.js';

function randomState(n: number, rng: Random) {
  const means = Float32Array.from({ length: 3 * n }, () => rng.uniform(-0.05, 0.05));
  const quaternions = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    const norm = Math.hypot(...q);
    quaternions.set(
      q.map((v) => v / norm),
      4 * i,
    );
  }
  return { means, quaternions };
}

test('applyRigidMotion moves points and turns quaternions by the same rotation about the centre', () => {
  const rng = new Random(1);
  const { means, quaternions } = randomState(6, rng);
  const indices = [0, 2, 3, 5];
  const centre = [0.01, -0.02, 0.03];
  const axis: [number, number, number] = [0.3, -0.5, 0.8];
  const angle = 0.4;
  const norm = Math.hypot(...axis);
  const w = axis.map((v) => (v / norm) * angle);
  const t = [0.004, -0.002, 0.001];
  const m = means.slice();
  const q = quaternions.slice();
  applyRigidMotion(m, q, indices, centre, t, w);
  const R = quatToMatrix(quatFromAxisAngle(axis, angle));
  const qR = quatFromAxisAngle(axis, angle);
  for (let i = 0; i < 6; i++) {
    const moved = indices.includes(i);
    const r = [0, 1, 2].map((k) => means[3 * i + k] - centre[k]);
    for (let k = 0; k < 3; k++) {
      const expected = moved
        ? centre[k] + R[3 * k] * r[0] + R[3 * k + 1] * r[1] + R[3 * k + 2] * r[2] + t[k]
        : means[3 * i + k];
      assert.ok(Math.abs(m[3 * i + k] - expected) < 1e-7, `mean ${i}.${k}: ${m[3 * i + k]} vs ${expected}`);
    }
    const qi = Array.from(quaternions.subarray(4 * i, 4 * i + 4)) as [number, number, number, number];
    const expectedQ = moved ? quatMultiply(qR, qi) : qi;
    for (let k = 0; k < 4; k++)
      assert.ok(Math.abs(q[4 * i + k] - expectedQ[k]) < 1e-6, `quaternion ${i}.${k}`);
  }
});

test('rigidMotionGradient matches finite differences of a loss linear in the moved means and quaternions', () => {
  const rng = new Random(2);
  const n = 12;
  const { means, quaternions } = randomState(n, rng);
  const gradMeans = Float32Array.from({ length: 3 * n }, () => rng.normal());
  const gradQuaternions = Float32Array.from({ length: 4 * n }, () => rng.normal());
  const indices = [1, 2, 4, 5, 7, 8, 9, 11];
  const centre = centreOf(means, indices);
  // L(t, w) = sum over all Gaussians of gradMeans . x'(t, w) + gradQuaternions . q'(t, w): its gradient at the
  // identity is what rigidMotionGradient computes from gradMeans and gradQuaternions.
  const loss = (t: number[], w: number[]) => {
    const m32 = means.slice();
    const q32 = quaternions.slice();
    applyRigidMotion(m32, q32, indices, centre, t, w);
    let sum = 0;
    for (let i = 0; i < 3 * n; i++) sum += gradMeans[i] * (m32[i] - means[i]);
    for (let i = 0; i < 4 * n; i++) sum += gradQuaternions[i] * (q32[i] - quaternions[i]);
    return sum;
  };
  const g = rigidMotionGradient(means, quaternions, gradMeans, gradQuaternions, indices, centre);
  const h = 1e-3;
  for (let k = 0; k < 3; k++) {
    const e = [0, 0, 0];
    e[k] = h;
    const minus = e.map((v) => -v);
    const fdT = (loss(e, [0, 0, 0]) - loss(minus, [0, 0, 0])) / (2 * h);
    const fdW = (loss([0, 0, 0], e) - loss([0, 0, 0], minus)) / (2 * h);
    assert.ok(
      Math.abs(fdT - g.translation[k]) < 1e-3 * (1 + Math.abs(fdT)),
      `t${k}: ${g.translation[k]} vs ${fdT}`,
    );
    assert.ok(
      Math.abs(fdW - g.rotation[k]) < 1e-3 * (1 + Math.abs(fdW)),
      `w${k}: ${g.rotation[k]} vs ${fdW}`,
    );
  }
});

test('centreOf and radiusOf: the mean of the selected centres and their RMS distance from it', () => {
  const means = Float32Array.of(1, 0, 0, -1, 0, 0, 0, 5, 0, 0, 0, 3);
  assert.deepEqual(centreOf(means, [0, 1]), [0, 0, 0]);
  assert.equal(radiusOf(means, [0, 1], [0, 0, 0]), 1);
  assert.ok(Math.abs(radiusOf(means, [0, 3], [0, 0, 0]) - Math.sqrt(5)) < 1e-12);
});
