import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractRotation, Random } from '@gsdyn/geometry';
import { ShapeMatching } from '../src/physics/shape-matching.js';
import { SoftBody } from '../src/physics/soft-body.js';
import { GRAVITY, step } from '../src/physics/solver.js';
import { tetVolume } from '../src/physics/volume-constraints.js';

function body(positions: number[], radius = 0.01): SoftBody {
  const n = positions.length / 3;
  const b = new SoftBody(
    Float64Array.from(positions),
    new Float64Array(n).fill(0.01),
    new Float64Array(n).fill(radius),
  );
  b.material = { tableStaticFriction: 0, tableDynamicFriction: 0, pusherFriction: 0, damping: 0 };
  return b;
}

test('free fall follows the discrete symplectic-Euler closed form', () => {
  const b = body([0, 0, 10]);
  const substeps = 10;
  const frames = 15;
  for (let f = 0; f < frames; f++) step(b, 1 / 15, substeps);
  const h = 1 / 15 / substeps;
  const n = frames * substeps;
  // v_k = -g h k, z_n = z_0 - g h^2 n (n + 1) / 2
  assert.ok(Math.abs(b.positions[2] - (10 - (GRAVITY * h * h * n * (n + 1)) / 2)) < 1e-9);
  assert.ok(Math.abs(b.velocities[2] + GRAVITY * h * n) < 1e-9);
});

test('a stiff distance constraint restores its rest length and conserves momentum', () => {
  const b = body([0, 0, 5, 0.1, 0, 5]);
  b.distances.add(b.positions, 0, 1, 0, 0.05);
  step(b, 1 / 15, 1);
  const d = Math.hypot(b.positions[3] - b.positions[0], b.positions[4] - b.positions[1]);
  assert.ok(Math.abs(d - 0.05) < 1e-12, `distance ${d}`);
  assert.ok(
    Math.abs(b.positions[0] + b.positions[3] - 0.1) < 1e-12,
    'the centre of mass stays put horizontally',
  );
});

test('the volume constraint gradient matches finite differences and the constraint restores the volume', () => {
  const rng = new Random(3);
  const x = Float64Array.from([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1].map((v) => v + 0.1 * rng.uniform(-1, 1)));
  const b = body(Array.from(x).map((v, i) => (i % 3 === 2 ? v + 10 : v)));
  b.volumes.add(b.positions, 0, 1, 2, 3, 0);
  const rest = b.volumes.restVolume(0);
  assert.ok(rest > 0, 'the corners are positively oriented');
  // Squash the tet, then one projection (a linear constraint in each corner separately) per sweep.
  b.positions[11] -= 0.4;
  for (let k = 0; k < 20; k++) b.volumes.solve(b.positions, b.inverseMass, 1);
  assert.ok(Math.abs(tetVolume(b.positions, 0, 1, 2, 3) / rest - 1) < 1e-6);
  // Finite-difference check of dV/dx_d against the face normal the solver uses: (b - a) x (c - a) / 6.
  const p = b.positions;
  const eps = 1e-6;
  const e1 = [p[3] - p[0], p[4] - p[1], p[5] - p[2]];
  const e2 = [p[6] - p[0], p[7] - p[1], p[8] - p[2]];
  const analytic = [
    e1[1] * e2[2] - e1[2] * e2[1],
    e1[2] * e2[0] - e1[0] * e2[2],
    e1[0] * e2[1] - e1[1] * e2[0],
  ];
  for (let a = 0; a < 3; a++) {
    p[9 + a] += eps;
    const up = tetVolume(p, 0, 1, 2, 3);
    p[9 + a] -= 2 * eps;
    const down = tetVolume(p, 0, 1, 2, 3);
    p[9 + a] += eps;
    assert.ok(Math.abs((up - down) / (2 * eps) - analytic[a] / 6) < 1e-8);
  }
});

test('table contact keeps particles above the table and kinetic friction stops a slide at v^2 / (2 mu g)', () => {
  const b = body([0, 0, 0.01]);
  const mu = 0.4;
  b.material = { tableStaticFriction: mu, tableDynamicFriction: mu, pusherFriction: 0, damping: 0 };
  const v0 = 0.5;
  b.velocities[0] = v0;
  for (let f = 0; f < 30; f++) {
    step(b, 1 / 15, 40);
    assert.ok(b.positions[2] >= 0.01 - 1e-12);
  }
  const expected = (v0 * v0) / (2 * mu * GRAVITY);
  assert.ok(Math.abs(b.positions[0] / expected - 1) < 0.03, `slid ${b.positions[0]}, expected ${expected}`);
  assert.equal(b.velocities[0], 0, 'static friction holds it once stopped');
  // Without friction it keeps sliding at v0.
  const free = body([0, 0, 0.01]);
  free.velocities[0] = v0;
  step(free, 1, 100);
  assert.ok(Math.abs(free.positions[0] - v0) < 1e-9);
});

test('the pusher moves a particle in its way out of the cylinder, and ignores one below its tip', () => {
  const b = body([0.05, 0, 0.01, 0.05, 0.1, 0.002], 0.01);
  b.radius[1] = 0.002;
  const touched = new Uint8Array(2);
  const radius = 0.015;
  // The pusher sweeps from x = 0 to x = 0.1 along y = 0 and y = 0.1, tip 6 mm above the table.
  step(b, 1, 200, { from: { x: 0, y: 0, z: 0.006 }, to: { x: 0.1, y: 0, z: 0.006 }, radius, touched });
  assert.ok(b.positions[0] >= 0.1 + radius + 0.01 - 1e-9, `pushed to ${b.positions[0]}`);
  assert.deepEqual(Array.from(touched), [1, 0]);
  const low = body([0.05, 0, 0.002], 0.002);
  step(low, 1, 200, { from: { x: 0, y: 0, z: 0.006 }, to: { x: 0.1, y: 0, z: 0.006 }, radius });
  assert.ok(Math.abs(low.positions[0] - 0.05) < 1e-12, 'a particle under the tip is not touched');
});

test('rotation extraction recovers the rotation of a rotated, stretched matrix', () => {
  const angle = 1.1;
  const axis = [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)];
  const q = new Float64Array([Math.cos(angle / 2), ...axis.map((a) => a * Math.sin(angle / 2))]);
  const R = new Float64Array(9);
  extractRotation(new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), new Float64Array([1, 0, 0, 0]), R, 5);
  assert.deepEqual(Array.from(R), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  // A = R0 S with S symmetric positive definite: the polar rotation is R0.
  const R0 = new Float64Array(9);
  extractRotation(new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), q, R0, 0);
  const S = [2, 0.3, 0, 0.3, 1, 0.1, 0, 0.1, 0.5];
  const A = new Float64Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) A[3 * i + j] += R0[3 * i + k] * S[3 * k + j];
  const warm = new Float64Array([1, 0, 0, 0]);
  extractRotation(A, warm, R, 50);
  for (let k = 0; k < 9; k++)
    assert.ok(Math.abs(R[k] - R0[k]) < 1e-6, `R[${k}] = ${R[k]}, expected ${R0[k]}`);
});

test('shape matching leaves a rigidly moved shape in place and pulls a deformed one back', () => {
  const rng = new Random(9);
  const rest = Float64Array.from({ length: 30 }, () => rng.uniform(-1, 1));
  const sm = new ShapeMatching(rest, new Float64Array(10).fill(1), 1e-6);
  const moved = Float64Array.from(rest, (v, i) => (i % 3 === 0 ? v + 2 : v));
  const before = Float64Array.from(moved);
  sm.solve(moved, 0.01);
  for (let i = 0; i < 30; i++) assert.ok(Math.abs(moved[i] - before[i]) < 1e-9);
  moved[4] += 0.5;
  sm.solve(moved, 0.01);
  assert.ok(Math.abs(moved[4] - before[4]) < 0.1, 'a dent is pulled most of the way back');
});
