import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { addBackgroundLoss, backgroundLoss } from '../src/losses/background.js';
import type { Values } from '../src/losses/loss-types.js';
import { buildNeighbourGraph, type NeighbourGraph } from '../src/losses/neighbours.js';
import {
  addPhysicalGradients,
  createPhysicalWorkspace,
  MAX_GAUSSIANS,
  type PhysicalPriorInputs,
  type PhysicalValues,
  type PhysicalWeights,
  physicalLosses,
  physicalPriors,
} from '../src/losses/physical-priors.js';
import {
  isometryLoss,
  isometryLoss64,
  rigidityLoss,
  rigidityLoss64,
  rotationSimilarityLoss,
  rotationSimilarityLoss64,
} from '../src/losses/rigidity.js';
import { addTableLoss, tableLoss } from '../src/losses/table.js';
import { checkGradient, randomConfiguration } from './losses-fixtures.js';

/** The gs-dynamics preset's rope weights: large and unequal, so a term weighted wrongly shows. */
const WEIGHTS: PhysicalWeights = { rigid: 200, rot: 4, iso: 1000, table: 2, bg: 200 };

/**
 * A random configuration with the priors over a foreground of the even Gaussians (by a real kNN graph), the table
 * at the blob's mid-height (about half the foreground below it) and the odd Gaussians as background.
 */
function scene(seed: number, n: number, k: number): PhysicalPriorInputs & { n: number } {
  const c = randomConfiguration(seed, n);
  const foreground = Uint32Array.from({ length: Math.ceil(n / 2) }, (_, r) => 2 * r);
  const background = Uint32Array.from({ length: Math.floor(n / 2) }, (_, r) => 2 * r + 1);
  return {
    n,
    graph: buildNeighbourGraph(c.means0, k, foreground),
    means: c.means,
    quaternions: c.quaternions,
    prevMeans: c.prevMeans,
    prevQuaternions: c.prevQuaternions,
    table: { indices: foreground, z: 0.05 },
    background: { indices: background, means0: c.means0, quaternions0: c.prevQuaternions },
  };
}

/**
 * A graph that buildNeighbourGraph would not make: random rows, neighbours drawn from ALL Gaussians (some of them
 * not rows, whose q_rel rotation similarity takes as 0), repeats allowed, random weights and rest lengths.
 */
function randomGraph(rng: Random, n: number, rows: number, k: number): NeighbourGraph {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const s = rng.int(i + 1);
    [order[i], order[s]] = [order[s], order[i]];
  }
  const points = order.slice(0, rows);
  const indices = Uint32Array.from({ length: rows * k }, () => rng.int(n));
  const weights = Float32Array.from({ length: rows * k }, () => rng.uniform(0.05, 1));
  const restDistances = Float32Array.from({ length: rows * k }, () => rng.uniform(0, 0.05));
  return { count: rows, k, points, indices, weights, restDistances };
}

/** w_rigid * rigid + ... from the separate float64 functions, plus `start` (what the caller's gradients held). */
function oracle(x: PhysicalPriorInputs, w: PhysicalWeights, startMeans: Values, startQuaternions: Values) {
  const gradMeans = Float64Array.from(startMeans);
  const gradQuaternions = Float64Array.from(startQuaternions);
  const add = (target: Float64Array, source: Float64Array | undefined, weight: number) => {
    if (source) for (let c = 0; c < target.length; c++) target[c] += weight * source[c];
  };
  const rigid = rigidityLoss64(x);
  const rot = rotationSimilarityLoss64(x);
  const iso = isometryLoss64(x);
  add(gradMeans, rigid.gradMeans, w.rigid);
  add(gradQuaternions, rigid.gradQuaternions, w.rigid);
  add(gradQuaternions, rot.gradQuaternions, w.rot);
  add(gradMeans, iso.gradMeans, w.iso);
  let table = 0;
  if (x.table) {
    const g = new Float64Array(x.means.length);
    table = addTableLoss(x.means, x.table.indices, x.table.z ?? 0, 1, g);
    add(gradMeans, g, w.table);
  }
  let bg = 0;
  if (x.background) {
    const { indices, means0, quaternions0 } = x.background;
    const gm = new Float64Array(x.means.length);
    const gq = new Float64Array(x.quaternions.length);
    bg = addBackgroundLoss(x.means, x.quaternions, means0, quaternions0, indices, 1, gm, gq);
    add(gradMeans, gm, w.bg);
    add(gradQuaternions, gq, w.bg);
  }
  const values = { rigid: rigid.value, rot: rot.value, iso: iso.value, table, bg };
  return { values, gradMeans, gradQuaternions };
}

/** Largest |a - b| relative to the largest |b|; throws on a vacuous (all-zero) reference. */
function relativeError(a: Values, b: Values): number {
  assert.equal(a.length, b.length);
  let scale = 0;
  let worst = 0;
  for (let c = 0; c < b.length; c++) {
    scale = Math.max(scale, Math.abs(b[c]));
    worst = Math.max(worst, Math.abs(a[c] - b[c]));
  }
  assert.ok(scale > 0, 'reference gradient is identically zero');
  return worst / scale;
}

function assertValuesClose(got: PhysicalValues, want: Omit<PhysicalValues, 'weighted'>, w: PhysicalWeights) {
  for (const name of ['rigid', 'rot', 'iso', 'table', 'bg'] as const) {
    const tol = 1e-12 * Math.abs(want[name]);
    assert.ok(Math.abs(got[name] - want[name]) <= tol, `${name}: ${got[name]} vs ${want[name]}`);
  }
  const weighted =
    w.rigid * want.rigid + w.rot * want.rot + w.iso * want.iso + w.table * want.table + w.bg * want.bg;
  assert.ok(Math.abs(got.weighted - weighted) <= 1e-12 * weighted, `weighted ${got.weighted} vs ${weighted}`);
}

/** Random starting gradients (the render's), so that the test also sees that the priors are added to them. */
function startGradients(rng: Random, n: number) {
  return {
    means: Float64Array.from({ length: 3 * n }, () => rng.normal() * 1e-3),
    quaternions: Float64Array.from({ length: 4 * n }, () => rng.normal() * 1e-3),
  };
}

test('fused priors equal the weighted sum of the separate losses (kNN graph over a foreground)', () => {
  for (const [seed, n, k] of [
    [31, 60, 7],
    [32, 200, 20],
  ]) {
    const x = scene(seed, n, k);
    const rng = new Random(seed);
    const grads = startGradients(rng, n);
    const want = oracle(x, WEIGHTS, grads.means, grads.quaternions);
    // Every term is in play (a vacuous zero term would hide a missing one).
    for (const [name, v] of Object.entries(want.values)) assert.ok(v > 1e-4, `${name} = ${v}`);
    const got = physicalLosses(x, WEIGHTS, createPhysicalWorkspace(x.graph, n), grads);
    assertValuesClose(got, want.values, WEIGHTS);
    const em = relativeError(grads.means, want.gradMeans);
    const eq = relativeError(grads.quaternions, want.gradQuaternions);
    assert.ok(em < 1e-12 && eq < 1e-12, `seed ${seed}: means ${em}, quaternions ${eq}`);
  }
});

test('fused priors equal the separate losses on random graphs (neighbours that are not rows, repeats)', () => {
  const rng = new Random(33);
  for (let trial = 0; trial < 4; trial++) {
    const n = 50 + trial * 17;
    const x = { ...scene(40 + trial, n, 3), graph: randomGraph(rng, n, 20 + trial * 5, 1 + 3 * trial) };
    const w: PhysicalWeights = {
      rigid: rng.uniform(0, 500),
      rot: rng.uniform(0, 10),
      iso: rng.uniform(0, 2000),
      table: rng.uniform(0, 5),
      bg: rng.uniform(0, 300),
    };
    const grads = startGradients(rng, n);
    const want = oracle(x, w, grads.means, grads.quaternions);
    const got = physicalLosses(x, w, createPhysicalWorkspace(x.graph, n), grads);
    assertValuesClose(got, want.values, w);
    const em = relativeError(grads.means, want.gradMeans);
    const eq = relativeError(grads.quaternions, want.gradQuaternions);
    assert.ok(em < 1e-12 && eq < 1e-12, `trial ${trial}: means ${em}, quaternions ${eq}`);
  }
});

test('a reused workspace gives the same result as a fresh one (no state leaks between calls)', () => {
  const a = scene(34, 80, 8);
  const b = { ...scene(35, 80, 8), graph: a.graph };
  const workspace = createPhysicalWorkspace(a.graph, 80);
  const first = startGradients(new Random(1), 80);
  physicalLosses(a, WEIGHTS, workspace, first);
  const reused = startGradients(new Random(2), 80);
  const fresh = startGradients(new Random(2), 80);
  const v1 = physicalLosses(b, WEIGHTS, workspace, reused);
  const v2 = physicalLosses(b, WEIGHTS, createPhysicalWorkspace(a.graph, 80), fresh);
  assert.deepEqual(v1, v2);
  assert.deepEqual(reused, fresh);
});

test('the priors in two steps (physicalPriors, then addPhysicalGradients) equal physicalLosses', () => {
  const x = scene(36, 120, 10);
  const oneStep = startGradients(new Random(3), 120);
  const twoSteps = startGradients(new Random(3), 120);
  const want = physicalLosses(x, WEIGHTS, createPhysicalWorkspace(x.graph, 120), oneStep);
  const workspace = createPhysicalWorkspace(x.graph, 120);
  const got = physicalPriors(x, WEIGHTS, workspace);
  assert.deepEqual(got, want);
  addPhysicalGradients(workspace, twoSteps);
  assert.deepEqual(twoSteps, oneStep);
  assert.throws(
    () => addPhysicalGradients(workspace, { means: new Float64Array(3), quaternions: new Float64Array(480) }),
    /addPhysicalGradients: grads.means\/grads.quaternions have 3\/480 values, expected 360\/480/,
  );
});

test('float32 gradients (as the tracker holds them) match the separate float32 losses added in float32', () => {
  const n = 100;
  const x = scene(36, n, 10);
  const means = Float32Array.from(x.means);
  const quaternions = Float32Array.from(x.quaternions);
  const f32 = { ...x, means, quaternions };
  const separate = { means: new Float32Array(3 * n), quaternions: new Float32Array(4 * n) };
  const bg = x.background!;
  const terms = [
    [WEIGHTS.rigid, rigidityLoss(f32)],
    [WEIGHTS.rot, rotationSimilarityLoss(f32)],
    [WEIGHTS.iso, isometryLoss(f32)],
    [WEIGHTS.table, tableLoss(means, x.table!.indices, x.table!.z)],
    [WEIGHTS.bg, backgroundLoss(means, quaternions, bg.means0, bg.quaternions0, bg.indices)],
  ] as const;
  for (const [weight, term] of terms) {
    if (term.gradMeans) for (let c = 0; c < 3 * n; c++) separate.means[c] += weight * term.gradMeans[c];
    if (term.gradQuaternions)
      for (let c = 0; c < 4 * n; c++) separate.quaternions[c] += weight * term.gradQuaternions[c];
  }
  const fused = { means: new Float32Array(3 * n), quaternions: new Float32Array(4 * n) };
  const values = physicalLosses(f32, WEIGHTS, createPhysicalWorkspace(x.graph, n), fused);
  assert.equal(values.rigid, terms[0][1].value);
  // The separate path rounds each term to float32 before summing: a few float32 ulps of the largest entry.
  assert.ok(relativeError(fused.means, separate.means) < 1e-6);
  assert.ok(relativeError(fused.quaternions, separate.quaternions) < 1e-6);
});

test('an empty graph leaves only the table and background terms; Gaussians outside every term are untouched', () => {
  const n = 40;
  const x = scene(37, n, 5);
  const empty = buildNeighbourGraph(x.means, 5, new Uint32Array(0));
  const noGraph = { ...x, graph: empty };
  const grads = startGradients(new Random(3), n);
  const start = { means: grads.means.slice(), quaternions: grads.quaternions.slice() };
  const want = oracle(noGraph, WEIGHTS, grads.means, grads.quaternions);
  const got = physicalLosses(noGraph, WEIGHTS, createPhysicalWorkspace(empty, n), grads);
  assert.equal(got.rigid, 0);
  assert.equal(got.rot, 0);
  assert.equal(got.iso, 0);
  assertValuesClose(got, want.values, WEIGHTS);
  assert.ok(relativeError(grads.means, want.gradMeans) < 1e-12);
  assert.ok(relativeError(grads.quaternions, want.gradQuaternions) < 1e-12);
  // Without table and background, nothing changes at all.
  const none = { ...noGraph, table: undefined, background: undefined };
  const untouched = { means: start.means.slice(), quaternions: start.quaternions.slice() };
  const zero = physicalLosses(none, WEIGHTS, createPhysicalWorkspace(empty, n), untouched);
  assert.deepEqual(zero, { rigid: 0, rot: 0, iso: 0, table: 0, bg: 0, weighted: 0 });
  assert.deepEqual(untouched, start);
  // Gaussian 1 is background only (odd): its gradient is the background term's alone. Without the background
  // term, it is not in any term and keeps its starting gradient exactly.
  const graphOnly = { ...x, background: undefined };
  const g = { means: start.means.slice(), quaternions: start.quaternions.slice() };
  physicalLosses(graphOnly, WEIGHTS, createPhysicalWorkspace(x.graph, n), g);
  assert.ok(!x.graph.points.includes(1) && !x.graph.indices.includes(1));
  for (let c = 3; c < 6; c++) assert.equal(g.means[c], start.means[c]);
  for (let c = 4; c < 8; c++) assert.equal(g.quaternions[c], start.quaternions[c]);
});

test('the weighted total has the gradient that physicalLosses adds (finite differences)', () => {
  const n = 30;
  const x = scene(38, n, 5);
  const means = x.means as Float64Array;
  const quaternions = x.quaternions as Float64Array;
  const workspace = createPhysicalWorkspace(x.graph, n);
  const grads = { means: new Float64Array(3 * n), quaternions: new Float64Array(4 * n) };
  physicalLosses(x, WEIGHTS, workspace, grads);
  const value = () =>
    physicalLosses(x, WEIGHTS, workspace, {
      means: new Float64Array(3 * n),
      quaternions: new Float64Array(4 * n),
    }).weighted;
  // The L1 table and background terms have kinks; the random configuration keeps every |d| far above h.
  checkGradient('fused means', means, Float32Array.from(grads.means), value);
  checkGradient('fused quaternions', quaternions, Float32Array.from(grads.quaternions), value);
});

test('mismatched workspace, gradient or input shapes are rejected with the field named', () => {
  const n = 30;
  const x = scene(39, n, 5);
  const workspace = createPhysicalWorkspace(x.graph, n);
  const grads = { means: new Float32Array(3 * n), quaternions: new Float32Array(4 * n) };
  const other = buildNeighbourGraph(x.means, 5);
  assert.throws(() => physicalLosses({ ...x, graph: other }, WEIGHTS, workspace, grads), /workspace/);
  assert.throws(
    () => physicalLosses(x, WEIGHTS, workspace, { ...grads, means: new Float32Array(3) }),
    /grads\.means/,
  );
  assert.throws(
    () => physicalLosses({ ...x, prevMeans: new Float64Array(3) }, WEIGHTS, workspace, grads),
    /physicalLosses: prevMeans/,
  );
  assert.throws(
    () =>
      physicalLosses(
        { ...x, background: { ...x.background!, means0: new Float64Array(3) } },
        WEIGHTS,
        workspace,
        grads,
      ),
    /background\.means0/,
  );
  assert.throws(() => createPhysicalWorkspace(x.graph, -1), /n must be an integer in \[0, /);
  // Beyond MAX_GAUSSIANS the index mask of the pair loop would alias Gaussians: refused before allocating.
  assert.throws(() => createPhysicalWorkspace(x.graph, MAX_GAUSSIANS + 1), /n must be an integer/);
});
