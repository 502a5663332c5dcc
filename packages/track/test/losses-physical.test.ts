import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Quat, quatMultiply, quatToMatrix, Random } from '@gsdyn/geometry';
import { buildNeighbourGraph } from '../src/losses/neighbours.js';
import {
  isometryLoss,
  type PhysicalLossInputs,
  rigidityLoss,
  rotationSimilarityLoss,
} from '../src/losses/rigidity.js';
import { checkGradient, randomConfiguration, randomUnitQuat } from './losses-fixtures.js';

/** A configuration whose graph covers a foreground subset (even Gaussians), so global indexing is exercised. */
function inputs(seed: number, n: number, k: number): PhysicalLossInputs & { n: number } {
  const c = randomConfiguration(seed, n);
  const foreground = new Uint32Array(Array.from({ length: Math.ceil(n / 2) }, (_, r) => 2 * r));
  const graph = buildNeighbourGraph(c.means0, k, foreground);
  return {
    n,
    graph,
    means: c.means,
    quaternions: c.quaternions,
    prevMeans: c.prevMeans,
    prevQuaternions: c.prevQuaternions,
  };
}

/** Direct transcription of the reference formulas with library quaternion helpers, independent of the kernels. */
function referenceLosses(x: PhysicalLossInputs): { rigid: number; rot: number; iso: number } {
  const { graph, means, quaternions, prevMeans, prevQuaternions } = x;
  const rel = new Map<number, Quat>();
  const quat = (a: Float32Array | Float64Array, i: number): Quat => [
    a[4 * i],
    a[4 * i + 1],
    a[4 * i + 2],
    a[4 * i + 3],
  ];
  const unit = (q: Quat): Quat => {
    const s = Math.hypot(...q);
    return [q[0] / s, q[1] / s, q[2] / s, q[3] / s];
  };
  for (const i of graph.points) {
    const p = unit(quat(prevQuaternions, i));
    rel.set(i, quatMultiply(unit(quat(quaternions, i)), [p[0], -p[1], -p[2], -p[3]]));
  }
  let rigid = 0;
  let rot = 0;
  let iso = 0;
  for (let r = 0; r < graph.count; r++) {
    const i = graph.points[r];
    const R = quatToMatrix(rel.get(i)!);
    for (let t = 0; t < graph.k; t++) {
      const e = r * graph.k + t;
      const j = graph.indices[e];
      const w = graph.weights[e];
      const a = [0, 1, 2].map((c) => means[3 * j + c] - means[3 * i + c]);
      const b = [0, 1, 2].map((c) => prevMeans[3 * j + c] - prevMeans[3 * i + c]);
      const u = [0, 1, 2].map((c) => R[c] * a[0] + R[3 + c] * a[1] + R[6 + c] * a[2] - b[c]);
      rigid += Math.sqrt(w * (u[0] ** 2 + u[1] ** 2 + u[2] ** 2) + 1e-20);
      const qi = rel.get(i)!;
      const qj = rel.get(j)!;
      rot += Math.sqrt(
        w * ((qj[0] - qi[0]) ** 2 + (qj[1] - qi[1]) ** 2 + (qj[2] - qi[2]) ** 2 + (qj[3] - qi[3]) ** 2) +
          1e-20,
      );
      const m = Math.sqrt(a[0] ** 2 + a[1] ** 2 + a[2] ** 2 + 1e-20);
      iso += Math.sqrt(w * (m - graph.restDistances[e]) ** 2 + 1e-20);
    }
  }
  const pairs = graph.count * graph.k;
  return { rigid: rigid / pairs, rot: rot / pairs, iso: iso / pairs };
}

test('values equal a direct transcription of the reference formulas', () => {
  const x = inputs(11, 50, 7);
  const ref = referenceLosses(x);
  assert.ok(ref.rigid > 1e-4 && ref.rot > 1e-3 && ref.iso > 1e-4, JSON.stringify(ref));
  assert.ok(Math.abs(rigidityLoss(x).value - ref.rigid) < 1e-12 * ref.rigid + 1e-15);
  assert.ok(Math.abs(rotationSimilarityLoss(x).value - ref.rot) < 1e-12 * ref.rot + 1e-15);
  assert.ok(Math.abs(isometryLoss(x).value - ref.iso) < 1e-12 * ref.iso + 1e-15);
});

test('rigidity gradients (means and quaternions) match finite differences', () => {
  for (const [seed, n, k] of [
    [1, 30, 5],
    [2, 60, 8],
  ]) {
    const x = inputs(seed, n, k);
    const grads = rigidityLoss(x);
    const means = x.means as Float64Array;
    const quaternions = x.quaternions as Float64Array;
    checkGradient(`rigidity means (seed ${seed})`, means, grads.gradMeans, () => rigidityLoss(x).value);
    checkGradient(
      `rigidity quaternions (seed ${seed})`,
      quaternions,
      grads.gradQuaternions,
      () => rigidityLoss(x).value,
    );
  }
});

test('rotation similarity gradient (quaternions) matches finite differences and ignores the means', () => {
  for (const [seed, n, k] of [
    [3, 30, 6],
    [4, 60, 8],
  ]) {
    const x = inputs(seed, n, k);
    const grads = rotationSimilarityLoss(x);
    assert.equal(grads.gradMeans, undefined);
    checkGradient(
      `rotation similarity quaternions (seed ${seed})`,
      x.quaternions as Float64Array,
      grads.gradQuaternions,
      () => rotationSimilarityLoss(x).value,
    );
  }
});

test('isometry gradient (means) matches finite differences and ignores the rotations', () => {
  for (const [seed, n, k] of [
    [5, 30, 5],
    [6, 60, 8],
  ]) {
    const x = inputs(seed, n, k);
    const grads = isometryLoss(x);
    assert.equal(grads.gradQuaternions, undefined);
    checkGradient(
      `isometry means (seed ${seed})`,
      x.means as Float64Array,
      grads.gradMeans,
      () => isometryLoss(x).value,
    );
  }
});

test('gradients are zero outside the graph (background Gaussians)', () => {
  const x = inputs(7, 40, 6);
  const inGraph = new Set(x.graph.points);
  for (const grads of [rigidityLoss(x), rotationSimilarityLoss(x), isometryLoss(x)]) {
    for (let i = 0; i < x.n; i++) {
      if (inGraph.has(i)) continue;
      for (let c = 0; c < 3; c++) if (grads.gradMeans) assert.equal(grads.gradMeans[3 * i + c], 0);
      for (let c = 0; c < 4; c++)
        if (grads.gradQuaternions) assert.equal(grads.gradQuaternions[4 * i + c], 0);
    }
  }
});

/** Applies the rotation q and translation t to every point and left-multiplies every quaternion by q. */
function moveRigidly(points: Float64Array, quats: Float64Array, q: Quat, t: number[]) {
  const R = quatToMatrix(q);
  const n = points.length / 3;
  const outP = new Float32Array(3 * n);
  const outQ = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 3; r++) {
      outP[3 * i + r] =
        R[3 * r] * points[3 * i] + R[3 * r + 1] * points[3 * i + 1] + R[3 * r + 2] * points[3 * i + 2] + t[r];
    }
    const m = quatMultiply(q, [quats[4 * i], quats[4 * i + 1], quats[4 * i + 2], quats[4 * i + 3]]);
    for (let c = 0; c < 4; c++) outQ[4 * i + c] = m[c];
  }
  return { means: outP, quaternions: outQ };
}

test('a rigid motion of the whole set costs exactly sqrt(1e-20) per pair (exact arithmetic case)', () => {
  // Coordinates on a 1/256 grid and a half turn about z: every operation below is exact in float32.
  const rng = new Random(8);
  const n = 40;
  const prevMeans = new Float64Array(3 * n);
  for (let i = 0; i < 3 * n; i++) prevMeans[i] = rng.int(16) / 256;
  for (let i = 0; i < n; i++) prevMeans[3 * i] += i / 1024; // no duplicates
  // Rounded to float32 first so that the moved quaternions (a signed permutation of these) are exact too.
  const prevQuaternions = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) prevQuaternions.set(Float32Array.from(randomUnitQuat(rng)), 4 * i);
  const moved = moveRigidly(prevMeans, prevQuaternions, [0, 0, 0, 1], [3 / 256, -5 / 256, 1 / 128]);
  const graph = buildNeighbourGraph(prevMeans, 6);
  const x: PhysicalLossInputs = { graph, prevMeans, prevQuaternions, ...moved };
  assert.ok(Math.abs(rigidityLoss(x).value - 1e-10) < 1e-16, `rigid ${rigidityLoss(x).value}`);
  assert.ok(
    Math.abs(rotationSimilarityLoss(x).value - 1e-10) < 1e-16,
    `rot ${rotationSimilarityLoss(x).value}`,
  );
  // Isometry compares with the float32-stored d0, which carries ~3e-8 relative rounding of a centimetre distance.
  const iso = isometryLoss(x).value;
  assert.ok(iso >= 1e-10 - 1e-16 && iso < 1e-9, `iso ${iso}`);
});

test('a generic rigid motion costs ~0, a non-rigid deformation does not', () => {
  const c = randomConfiguration(9, 50);
  const graph = buildNeighbourGraph(c.means0, 8);
  const rng = new Random(10);
  const q = randomUnitQuat(rng);
  // Previous frame = frame 0 rigidly moved; current = previous moved by another rigid motion.
  const prev = moveRigidly(c.means0, c.prevQuaternions, randomUnitQuat(rng), [0.1, -0.2, 0.05]);
  const cur = moveRigidly(
    Float64Array.from(prev.means),
    Float64Array.from(prev.quaternions),
    q,
    [0.02, 0.01, -0.03],
  );
  const rigid: PhysicalLossInputs = {
    graph,
    prevMeans: prev.means,
    prevQuaternions: prev.quaternions,
    means: cur.means,
    quaternions: cur.quaternions,
  };
  // float32 coordinates of ~0.2 m carry ~1e-8 m of rounding.
  for (const f of [rigidityLoss, rotationSimilarityLoss, isometryLoss]) {
    const v = f(rigid).value;
    assert.ok(v >= 1e-10 - 1e-16 && v < 5e-8, `${f.name} ${v}`);
  }
  // Stretch by 10% along x: rigidity and isometry notice; the rotations are still common.
  const stretched = Float32Array.from(cur.means);
  for (let i = 0; i < 50; i++) stretched[3 * i] *= 1.1;
  const deformed = { ...rigid, means: stretched };
  assert.ok(rigidityLoss(deformed).value > 1e-4);
  assert.ok(isometryLoss(deformed).value > 1e-4);
  assert.ok(rotationSimilarityLoss(deformed).value < 5e-8);
  // Each Gaussian turning on its own: rotation similarity notices.
  const twisted = Float32Array.from(cur.quaternions);
  for (let i = 0; i < 50; i++) {
    const m = quatMultiply(randomUnitQuat(rng), [
      twisted[4 * i],
      twisted[4 * i + 1],
      twisted[4 * i + 2],
      twisted[4 * i + 3],
    ]);
    twisted.set(m, 4 * i);
  }
  assert.ok(rotationSimilarityLoss({ ...rigid, quaternions: twisted }).value > 1e-2);
  assert.ok(rigidityLoss({ ...rigid, quaternions: twisted }).value > 1e-3);
});

test('an empty graph costs 0 with zero gradients; mismatched shapes are rejected', () => {
  const c = randomConfiguration(12, 20);
  const graph = buildNeighbourGraph(c.means0, 5, new Uint32Array(0));
  const x: PhysicalLossInputs = { graph, ...c };
  for (const f of [rigidityLoss, rotationSimilarityLoss, isometryLoss]) {
    const r = f(x);
    assert.equal(r.value, 0);
    for (const g of [r.gradMeans, r.gradQuaternions]) if (g) assert.ok(g.every((v) => v === 0));
  }
  const full = buildNeighbourGraph(c.means0, 5);
  assert.throws(() => rigidityLoss({ ...x, graph: full, prevMeans: new Float64Array(3) }), /prevMeans/);
  assert.throws(() => rigidityLoss({ ...x, graph: full, quaternions: new Float64Array(4) }), /quaternions/);
  assert.throws(
    () =>
      isometryLoss({
        ...x,
        graph: full,
        means: c.means.subarray(0, 30),
        prevMeans: c.prevMeans.subarray(0, 30),
      }),
    /refers to Gaussian/,
  );
});
