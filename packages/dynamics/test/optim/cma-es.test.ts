import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { CmaEs, minimize, reflectIntoInterval } from '../../src/optim/cma-es.js';

const sphere = (x: Float64Array) => x.reduce((s, v) => s + v * v, 0);

/** A fixed random rotation of R^n (Gram-Schmidt on Gaussian vectors), row-major. */
function randomRotation(n: number, seed: number): Float64Array {
  const rng = new Random(seed);
  const q = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const v = new Float64Array(n).map(() => rng.normal());
    for (let p = 0; p < r; p++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += v[i] * q[p * n + i];
      for (let i = 0; i < n; i++) v[i] -= d * q[p * n + i];
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < n; i++) q[r * n + i] = v[i] / norm;
  }
  return q;
}

/** Ellipsoid with condition number 1e6, in a rotated frame, so no coordinate-wise method can solve it. */
function rotatedEllipsoid(n: number): (x: Float64Array) => number {
  const R = randomRotation(n, 7);
  return (x) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      let y = 0;
      for (let j = 0; j < n; j++) y += R[i * n + j] * x[j];
      f += 10 ** ((6 * i) / (n - 1)) * y * y;
    }
    return f;
  };
}

const rosenbrock = (x: Float64Array) => {
  let f = 0;
  for (let i = 0; i + 1 < x.length; i++) f += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;
  return f;
};

// Budgets are about 1.5x what this implementation needs (sphere ~1600, ellipsoid ~4500, Rosenbrock 5-D ~2300 and
// 10-D ~6500 over seeds 1-5), the figures Hansen reports for standard CMA-ES: a weaker update would exceed them.
test('CMA-ES minimises the sphere in 10-D to 1e-8 within 2500 evaluations', () => {
  const r = minimize(sphere, new Float64Array(10).fill(1), 0.5, {
    seed: 1,
    maxEvaluations: 2500,
    targetValue: 1e-10,
  });
  assert.equal(r.stopReason, 'targetValue');
  assert.ok(r.value < 1e-8, `value ${r.value}`);
  assert.ok(r.evaluations <= 2500);
});

test('CMA-ES minimises a rotated ellipsoid (condition 1e6) in 8-D to 1e-8 within 7000 evaluations', () => {
  const f = rotatedEllipsoid(8);
  const r = minimize(f, new Float64Array(8).fill(1), 1, {
    seed: 2,
    maxEvaluations: 7000,
    targetValue: 1e-10,
  });
  assert.equal(r.stopReason, 'targetValue', `stopped by ${r.stopReason} at ${r.value}`);
  assert.ok(r.value < 1e-8);
});

test('CMA-ES minimises Rosenbrock in 5-D and 10-D to 1e-8 (the optimum is all ones)', () => {
  for (const [n, budget] of [
    [5, 3500],
    [10, 10000],
  ]) {
    const r = minimize(rosenbrock, new Float64Array(n), 0.5, {
      seed: 3,
      maxEvaluations: budget,
      targetValue: 1e-10,
    });
    assert.equal(r.stopReason, 'targetValue', `n=${n}: stopped by ${r.stopReason} at ${r.value}`);
    assert.ok(r.value < 1e-8);
    for (const v of r.x) assert.ok(Math.abs(v - 1) < 1e-3);
  }
});

test('CMA-ES stops by itself (tolFun/tolX) on a converged problem without a target', () => {
  const r = minimize(sphere, new Float64Array(5).fill(2), 1, { seed: 4, maxEvaluations: 50000 });
  assert.ok(r.stopReason === 'tolFun' || r.stopReason === 'tolX', r.stopReason);
  assert.ok(r.value < 1e-10);
  assert.ok(r.evaluations < 50000);
});

test('CMA-ES is deterministic given the seed and differs across seeds', () => {
  const run = (seed: number) =>
    minimize(rosenbrock, new Float64Array(6), 0.5, { seed, maxEvaluations: 1500 });
  const a = run(9);
  const b = run(9);
  assert.deepEqual(Array.from(a.x), Array.from(b.x));
  assert.equal(a.value, b.value);
  const c = run(10);
  assert.notDeepEqual(Array.from(a.x), Array.from(c.x));
});

test('CMA-ES respects box bounds: an optimum outside the box ends on its boundary', () => {
  // min sum (x_i - 2)^2 over [-1, 1]^4 (optimum at the corner (1, 1, 1, 1)), and a bound-free coordinate inside.
  const f = (x: Float64Array) => (x[0] - 2) ** 2 + (x[1] - 2) ** 2 + (x[2] + 3) ** 2 + (x[3] - 0.25) ** 2;
  const seen: number[][] = [];
  const r = minimize(
    (x) => {
      seen.push(Array.from(x));
      return f(x);
    },
    [0, 0, 0, 0],
    0.5,
    { seed: 5, maxEvaluations: 4000, lower: [-1, -1, -1, -1], upper: [1, 1, 1, 1] },
  );
  for (const x of seen) for (const v of x) assert.ok(v >= -1 && v <= 1, `evaluated outside the box: ${v}`);
  assert.ok(Math.abs(r.x[0] - 1) < 1e-5 && Math.abs(r.x[1] - 1) < 1e-5 && Math.abs(r.x[2] + 1) < 1e-5);
  assert.ok(Math.abs(r.x[3] - 0.25) < 1e-5);
});

test('reflectIntoInterval is the identity inside and mirrors at both ends', () => {
  assert.equal(reflectIntoInterval(0.3, 0, 1), 0.3);
  assert.ok(Math.abs(reflectIntoInterval(1.2, 0, 1) - 0.8) < 1e-12);
  assert.ok(Math.abs(reflectIntoInterval(-0.2, 0, 1) - 0.2) < 1e-12);
  assert.ok(Math.abs(reflectIntoInterval(2.3, 0, 1) - 0.3) < 1e-12);
  assert.ok(Math.abs(reflectIntoInterval(5, 2, 4) - 3) < 1e-12);
});

test('CMA-ES ask/tell: onGeneration reports progress and bad calls are rejected', () => {
  const es = new CmaEs([0, 0, 0], 1, { seed: 6 });
  assert.equal(es.populationSize, 7);
  assert.throws(() => es.tell([1, 2, 3]), /call ask first/);
  const pts = es.ask();
  assert.equal(pts.length, 7);
  assert.throws(() => es.tell([1, 2]), /expected 7 values/);
  es.tell(pts.map(sphere));
  assert.equal(es.evaluations, 7);
  assert.ok(es.best !== undefined && es.best.value === Math.min(...pts.map(sphere)));
  let generations = 0;
  minimize(sphere, [1, 1], 0.3, { seed: 1, maxEvaluations: 60, onGeneration: () => generations++ });
  assert.equal(generations, 10, '6 per generation, 60 evaluations');
  assert.throws(() => new CmaEs([0], 0, { seed: 1 }), /sigma0/);
  assert.throws(() => new CmaEs([2], 1, { seed: 1, lower: [0], upper: [1] }), /outside/);
  assert.throws(() => new CmaEs([0], 1, { seed: 1.5 }), /seed must be an integer/);
  assert.throws(() => minimize(sphere, [0], 1, { seed: 1, maxEvaluations: 0 }), /maxEvaluations/);
});
