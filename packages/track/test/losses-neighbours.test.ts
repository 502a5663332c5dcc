import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knn } from '@gsdyn/geometry';
import { buildNeighbourGraph, DEFAULT_NEIGHBOURS, spreadRanks } from '../src/losses/neighbours.js';
import { randomConfiguration } from './losses-fixtures.js';

/** n points on the x axis at exactly representable spacing `step`. */
function line(n: number, step: number): Float32Array {
  const p = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) p[3 * i] = i * step;
  return p;
}

test('neighbours on a line are the adjacent points, nearest first, ties by index', () => {
  const step = 1 / 64;
  const g = buildNeighbourGraph(line(10, step), 4);
  assert.equal(g.count, 10);
  assert.equal(g.k, 4);
  const row = (r: number) => Array.from(g.indices.subarray(4 * r, 4 * r + 4));
  assert.deepEqual(row(0), [1, 2, 3, 4]);
  assert.deepEqual(row(1), [0, 2, 3, 4]);
  assert.deepEqual(row(5), [4, 6, 3, 7]);
  assert.deepEqual(row(9), [8, 7, 6, 5]);
  assert.deepEqual(Array.from(g.restDistances.subarray(20, 24)), [step, step, 2 * step, 2 * step]);
  assert.ok(Math.abs(g.weights[20] - Math.exp(-2000 * step * step)) < 1e-7);
  assert.ok(Math.abs(g.weights[22] - Math.exp(-2000 * 4 * step * step)) < 1e-7);
});

test('weights are exp(-2000 d^2): 0.82 at 1 cm, 0.45 at 2 cm, 0.17 at 3 cm', () => {
  const points = new Float64Array([0, 0, 0, 0.01, 0, 0, 0, 0.03, 0]);
  const g = buildNeighbourGraph(points, 2);
  // Row 0: 1 cm then 3 cm; row 1: 1 cm then sqrt(10) cm.
  assert.ok(Math.abs(g.weights[0] - 0.8187307530779818) < 1e-6);
  assert.ok(Math.abs(g.weights[1] - 0.16529888822158653) < 1e-6);
  assert.ok(Math.abs(g.restDistances[0] - 0.01) < 1e-8);
  assert.ok(Math.abs(g.restDistances[3] - Math.sqrt(0.001)) < 1e-8);
  const two = buildNeighbourGraph(new Float64Array([0, 0, 0, 0, 0, 0.02]), 1);
  assert.ok(Math.abs(two.weights[0] - 0.44932896411722156) < 1e-6);
});

test('a subset searches only among its own points and keeps global indices', () => {
  const { means0, n } = randomConfiguration(3, 40);
  const subset = new Uint32Array(Array.from({ length: 20 }, (_, r) => 2 * r + 1)); // odd Gaussians
  const k = 5;
  const g = buildNeighbourGraph(means0, k, subset);
  assert.equal(g.count, 20);
  assert.deepEqual(Array.from(g.points), Array.from(subset));
  for (let r = 0; r < g.count; r++) {
    const i = g.points[r];
    // Brute force among the subset.
    const cand = Array.from(subset)
      .filter((j) => j !== i)
      .map((j) => {
        const d = Math.hypot(
          means0[3 * j] - means0[3 * i],
          means0[3 * j + 1] - means0[3 * i + 1],
          means0[3 * j + 2] - means0[3 * i + 2],
        );
        return [d, j] as const;
      })
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let t = 0; t < k; t++) {
      assert.equal(g.indices[r * k + t], cand[t][1]);
      assert.ok(Math.abs(g.restDistances[r * k + t] - cand[t][0]) < 1e-8);
      assert.ok(g.indices[r * k + t] < n && g.indices[r * k + t] % 2 === 1);
    }
  }
});

test('default k is 20; empty subsets give empty graphs; too few points and bad input are rejected', () => {
  const { means0 } = randomConfiguration(4, 30);
  assert.equal(DEFAULT_NEIGHBOURS, 20);
  assert.equal(buildNeighbourGraph(means0).k, 20);
  const empty = buildNeighbourGraph(means0, 20, new Uint32Array(0));
  assert.equal(empty.count, 0);
  assert.equal(empty.indices.length, 0);
  assert.throws(() => buildNeighbourGraph(means0, 5, new Uint32Array([0, 1, 2])), /only 3 Gaussians/);
  assert.throws(() => buildNeighbourGraph(means0, 5, new Uint32Array([0, 1, 2, 3, 4, 5, 99])), /subset\[6\]/);
  assert.throws(() => buildNeighbourGraph(new Float32Array(7), 1), /3 per Gaussian/);
  assert.throws(() => buildNeighbourGraph(means0, 0), /positive integer/);
});

test('spread keeps the nearest half and spreads the rest evenly up to the (k*spread)-th nearest', () => {
  const step = 1 / 64;
  const points = line(40, step);
  // Row 20 of a line: ranks 0..19 are 19, 21, 18, 22, 17, 23, ... (ties by index). k = 4, spread 5: the 2 nearest,
  // then ranks 10 and 19 of the 20 nearest: 14 (6 steps) and 30 (10 steps).
  const g = buildNeighbourGraph(points, 4, undefined, 5);
  assert.deepEqual(Array.from(g.indices.subarray(80, 84)), [19, 21, 14, 30]);
  assert.deepEqual(Array.from(g.restDistances.subarray(80, 84)), [step, step, 6 * step, 10 * step]);
  assert.ok(Math.abs(g.weights[83] - Math.exp(-2000 * 100 * step * step)) < 1e-7);
  assert.deepEqual(spreadRanks(4, 20), [0, 1, 10, 19]);
  assert.deepEqual(
    spreadRanks(20, 100),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 18, 27, 36, 45, 54, 63, 72, 81, 90, 99],
  );
  // spread 1 is the plain kNN graph (against geometry's knn), and a spread beyond the cloud stops at its farthest point.
  assert.deepEqual(
    Array.from(buildNeighbourGraph(points, 4, undefined, 1).indices),
    Array.from(knn(points, 4).indices),
  );
  const wide = buildNeighbourGraph(line(6, step), 2, undefined, 100);
  assert.deepEqual(Array.from(wide.indices.subarray(0, 2)), [1, 5]);
  assert.throws(
    () => buildNeighbourGraph(points, 4, undefined, 0.5),
    /buildNeighbourGraph: spread must be a finite number >= 1, got 0.5/,
  );
});
