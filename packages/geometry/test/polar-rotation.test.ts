import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractRotation } from '../src/polar-rotation.js';
import { quatFromAxisAngle, quatToMatrix } from '../src/quaternion.js';
import { Random } from '../src/random.js';
import type { Vec3 } from '../src/vec3.js';

function multiply(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[3 * i + j] += a[3 * i + k] * b[3 * k + j];
  return out;
}

function randomRotation(rng: Random): Float64Array {
  const axis: Vec3 = [rng.normal(), rng.normal(), rng.normal()];
  return Float64Array.from(quatToMatrix(quatFromAxisAngle(axis, rng.uniform(-Math.PI, Math.PI))));
}

test('extractRotation recovers R from A = R S with S symmetric positive definite (the polar decomposition)', () => {
  const rng = new Random(41);
  for (let trial = 0; trial < 20; trial++) {
    const R = randomRotation(rng);
    // S = Q diag(d) Q^T with stretches d in [0.5, 2].
    const Q = randomRotation(rng);
    const d = [rng.uniform(0.5, 2), rng.uniform(0.5, 2), rng.uniform(0.5, 2)];
    const QD = Q.map((v, k) => v * d[k % 3]);
    const Qt = Float64Array.from({ length: 9 }, (_, k) => Q[3 * (k % 3) + Math.floor(k / 3)]);
    const A = multiply(R, multiply(QD, Qt));
    const q = new Float64Array([1, 0, 0, 0]);
    const out = new Float64Array(9);
    extractRotation(A, q, out, 100);
    for (let k = 0; k < 9; k++) assert.ok(Math.abs(out[k] - R[k]) < 1e-9, `trial ${trial} entry ${k}`);
  }
});

test('extractRotation returns the identity for a symmetric A, and a warm start gets closer in few iterations', () => {
  const A = [2, 0.3, 0, 0.3, 1, 0.1, 0, 0.1, 3];
  const q = new Float64Array([1, 0, 0, 0]);
  const R = new Float64Array(9);
  extractRotation(A, q, R, 20);
  assert.deepEqual(Array.from(q), [1, 0, 0, 0]);
  // Each iteration shrinks the remaining angle by a constant factor (about 3 for a pure rotation), so starting
  // 0.01 rad away beats starting 0.31 rad away by over an order of magnitude after the same 6 iterations.
  const target = quatToMatrix(quatFromAxisAngle([0, 0, 1], 0.31));
  const error = (start: number, iterations: number) => {
    const q0 = Float64Array.from(quatFromAxisAngle([0, 0, 1], start));
    extractRotation(target, q0, R, iterations);
    return Math.max(...Array.from(R, (v, k) => Math.abs(v - target[k])));
  };
  assert.ok(error(0.3, 6) < error(0, 6) / 10);
  assert.ok(error(0, 40) < 1e-10, 'converges from the identity');
});

test('extractRotation yields a proper rotation even for a singular (flat) A', () => {
  // All rest and current points in one plane: A has rank 2.
  const R0 = randomRotation(new Random(42));
  const A = multiply(R0, [1, 0, 0, 0, 1, 0, 0, 0, 0]);
  const q = new Float64Array([1, 0, 0, 0]);
  const R = new Float64Array(9);
  extractRotation(A, q, R, 100);
  const RtR = multiply(
    Float64Array.from({ length: 9 }, (_, k) => R[3 * (k % 3) + Math.floor(k / 3)]),
    R,
  );
  for (let k = 0; k < 9; k++) assert.ok(Math.abs(RtR[k] - (k % 4 === 0 ? 1 : 0)) < 1e-12);
  for (let k = 0; k < 9; k++) assert.ok(Math.abs(R[k] - R0[k]) < 1e-6, 'the in-plane rotation is recovered');
});
