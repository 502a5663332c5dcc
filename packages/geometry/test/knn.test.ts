import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KdTree, knn } from '../src/knn.js';
import { Random } from '../src/random.js';

/** Brute force: sort every candidate by (squared distance in float64, index). */
function bruteForce(points: Float32Array | Float64Array, k: number, queries?: Float32Array | Float64Array) {
  const n = points.length / 3;
  const q = queries ?? points;
  const m = q.length / 3;
  const indices = new Uint32Array(m * k);
  const distances2 = new Float32Array(m * k);
  for (let i = 0; i < m; i++) {
    const cand: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (queries === undefined && j === i) continue;
      const dx = points[3 * j] - q[3 * i];
      const dy = points[3 * j + 1] - q[3 * i + 1];
      const dz = points[3 * j + 2] - q[3 * i + 2];
      cand.push([dx * dx + dy * dy + dz * dz, j]);
    }
    cand.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let t = 0; t < k; t++) {
      indices[i * k + t] = cand[t][1];
      distances2[i * k + t] = cand[t][0];
    }
  }
  return { indices, distances2 };
}

function randomCloud(rng: Random, n: number): Float32Array {
  const p = new Float32Array(3 * n);
  for (let i = 0; i < p.length; i++) p[i] = rng.uniform(-1, 1);
  return p;
}

test('knn equals brute force on random clouds (self excluded), for several k', () => {
  const rng = new Random(1);
  for (const [n, k] of [
    [50, 1],
    [500, 3],
    [700, 20],
    [9, 8],
  ]) {
    const points = randomCloud(rng, n);
    const got = knn(points, k);
    const want = bruteForce(points, k);
    assert.deepEqual(got.indices, want.indices, `indices n=${n} k=${k}`);
    assert.deepEqual(got.distances2, want.distances2, `distances n=${n} k=${k}`);
    for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) assert.notEqual(got.indices[i * k + t], i);
  }
});

test('knn handles a flat, clustered cloud (a thin sheet) and float64 input', () => {
  const rng = new Random(2);
  const n = 600;
  const points = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    points[3 * i] = c + 0.01 * rng.normal();
    points[3 * i + 1] = 0.01 * rng.normal();
    points[3 * i + 2] = 1e-6 * rng.normal();
  }
  const got = knn(points, 10);
  const want = bruteForce(points, 10);
  assert.deepEqual(got.indices, want.indices);
  assert.deepEqual(got.distances2, want.distances2);
});

test('duplicates are neighbours at distance 0, ties broken by index', () => {
  const rng = new Random(3);
  const base = randomCloud(rng, 40);
  // Every point four times, plus many points sharing one coordinate value.
  const points = new Float32Array(3 * 200);
  for (let r = 0; r < 4; r++) points.set(base, 3 * 40 * r);
  for (let i = 160; i < 200; i++) points.set([0.5, rng.uniform(-1, 1), 0.25], 3 * i);
  const k = 5;
  const got = knn(points, k);
  const want = bruteForce(points, k);
  assert.deepEqual(got.indices, want.indices);
  assert.deepEqual(got.distances2, want.distances2);
  // The three copies of point 0 come first, at distance 0, in index order.
  assert.deepEqual(Array.from(got.indices.subarray(0, 3)), [40, 80, 120]);
  assert.deepEqual(Array.from(got.distances2.subarray(0, 3)), [0, 0, 0]);
});

test('separate queries find the k nearest points without self exclusion', () => {
  const rng = new Random(4);
  const points = randomCloud(rng, 300);
  const queries = new Float32Array(3 * 50);
  for (let i = 0; i < queries.length; i++) queries[i] = rng.uniform(-1.5, 1.5);
  queries.set(points.subarray(0, 3), 0); // a query exactly on point 0 finds it at distance 0
  const got = knn(points, 7, queries);
  const want = bruteForce(points, 7, queries);
  assert.deepEqual(got.indices, want.indices);
  assert.deepEqual(got.distances2, want.distances2);
  assert.equal(got.indices[0], 0);
  assert.equal(got.distances2[0], 0);
});

test('k larger than the available neighbours, or not a positive integer, is rejected', () => {
  const points = new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]);
  assert.throws(() => knn(points, 3), /only 2 other points/);
  assert.throws(() => knn(points, 4, new Float32Array(3)), /only 3/);
  assert.throws(() => knn(points, 0), /positive integer/);
  assert.throws(() => knn(new Float32Array(4), 1), /multiple of 3/);
  assert.equal(knn(points, 3, new Float32Array(3)).indices.length, 3);
});

test('KdTree.nearest reports fewer results when fewer points are eligible', () => {
  const tree = new KdTree(new Float32Array([0, 0, 0, 2, 0, 0]));
  const idx = new Uint32Array(4);
  const d2 = new Float32Array(4);
  assert.equal(tree.nearest(0.5, 0, 0, 4, 0, idx, d2), 1);
  assert.equal(idx[0], 1);
  assert.equal(d2[0], 2.25);
});
