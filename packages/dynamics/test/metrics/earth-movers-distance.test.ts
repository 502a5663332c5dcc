import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { earthMoversDistance, earthMoversMatch } from '../../src/metrics/earth-movers-distance.js';
import { assignmentCost, linearAssignment } from '../../src/metrics/linear-assignment.js';

function randomCost(rng: Random, rows: number, cols: number): Float64Array {
  const c = new Float64Array(rows * cols);
  for (let k = 0; k < c.length; k++) c[k] = rng.uniform(0, 10);
  return c;
}

function randomPoints(rng: Random, n: number, scale = 0.1): Float64Array {
  const p = new Float64Array(3 * n);
  for (let i = 0; i < p.length; i++) p[i] = rng.uniform(-scale, scale);
  return p;
}

/** Oracle: the cheapest injective map rows -> cols by enumerating every one (rows <= cols <= 7). */
function bruteForceAssignment(cost: Float64Array, rows: number, cols: number): number {
  let best = Number.POSITIVE_INFINITY;
  const used = new Uint8Array(cols);
  const visit = (i: number, sum: number) => {
    if (i === rows) {
      best = Math.min(best, sum);
      return;
    }
    for (let j = 0; j < cols; j++) {
      if (used[j]) continue;
      used[j] = 1;
      visit(i + 1, sum + cost[i * cols + j]);
      used[j] = 0;
    }
  };
  visit(0, 0);
  return best;
}

function assertValidAssignment(rowToCol: Int32Array, rows: number, cols: number): void {
  const seen = new Set<number>();
  for (let i = 0; i < rows; i++) {
    const j = rowToCol[i];
    if (j === -1) continue;
    assert.ok(j >= 0 && j < cols, `row ${i} -> column ${j} out of range`);
    assert.ok(!seen.has(j), `column ${j} used twice`);
    seen.add(j);
  }
  assert.equal(seen.size, Math.min(rows, cols), 'min(rows, cols) pairs matched');
}

test('linearAssignment equals exhaustive search on every square size up to 7', () => {
  const rng = new Random(11);
  for (let n = 1; n <= 7; n++) {
    for (let trial = 0; trial < 6; trial++) {
      const cost = randomCost(rng, n, n);
      const rowToCol = linearAssignment(cost, n, n);
      assertValidAssignment(rowToCol, n, n);
      const expected = bruteForceAssignment(cost, n, n);
      assert.ok(Math.abs(assignmentCost(cost, n, rowToCol) - expected) < 1e-9, `n=${n} trial ${trial}`);
    }
  }
});

test('linearAssignment equals exhaustive search on rectangular problems, both orientations', () => {
  const rng = new Random(12);
  for (const [rows, cols] of [
    [2, 5],
    [3, 7],
    [4, 6],
    [5, 7],
  ]) {
    const cost = randomCost(rng, rows, cols);
    const wide = linearAssignment(cost, rows, cols);
    assertValidAssignment(wide, rows, cols);
    const expected = bruteForceAssignment(cost, rows, cols);
    assert.ok(Math.abs(assignmentCost(cost, cols, wide) - expected) < 1e-9);
    // The transpose (tall) must find the same optimum, leaving cols - rows rows unmatched.
    const t = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = cost[i * cols + j];
    const tall = linearAssignment(t, cols, rows);
    assertValidAssignment(tall, cols, rows);
    assert.equal(tall.filter((j) => j === -1).length, cols - rows);
    assert.ok(Math.abs(assignmentCost(t, rows, tall) - expected) < 1e-9);
  }
});

test('linearAssignment handles ties and integer costs (many optimal assignments)', () => {
  const rng = new Random(13);
  for (let trial = 0; trial < 20; trial++) {
    const n = 2 + rng.int(6);
    const cost = new Float64Array(n * n);
    for (let k = 0; k < cost.length; k++) cost[k] = rng.int(3);
    const rowToCol = linearAssignment(cost, n, n);
    assertValidAssignment(rowToCol, n, n);
    assert.equal(assignmentCost(cost, n, rowToCol), bruteForceAssignment(cost, n, n));
  }
});

test('linearAssignment rejects malformed input', () => {
  assert.throws(() => linearAssignment(new Float64Array(5), 2, 3), /rows \* cols = 6/);
  assert.throws(
    () => linearAssignment(new Float64Array([0, Number.NaN, 1, 2]), 2, 2),
    /cost\[1\] must be finite/,
  );
  assert.throws(() => linearAssignment(new Float64Array(0), -1, 0), /non-negative integers/);
});

test('EMD equals exhaustive search over permutations on random point sets (n <= 7)', () => {
  const rng = new Random(14);
  for (let n = 1; n <= 7; n++) {
    const a = randomPoints(rng, n);
    const b = randomPoints(rng, n);
    const cost = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        cost[i * n + j] = Math.hypot(
          a[3 * i] - b[3 * j],
          a[3 * i + 1] - b[3 * j + 1],
          a[3 * i + 2] - b[3 * j + 2],
        );
    const expected = bruteForceAssignment(cost, n, n) / n;
    assert.ok(Math.abs(earthMoversDistance(a, b) - expected) < 1e-12, `n=${n}`);
  }
});

test('EMD of identical and of permuted sets is 0, and the match recovers the permutation', () => {
  const rng = new Random(15);
  const n = 40;
  const a = randomPoints(rng, n);
  assert.equal(earthMoversDistance(a, a), 0);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const b = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) b.set(a.subarray(3 * i, 3 * i + 3), 3 * perm[i]);
  const match = earthMoversMatch(a, b);
  assert.equal(match.distance, 0);
  assert.deepEqual(Array.from(match.aToB), perm);
});

test('EMD of a translated set is the translation length (identity is optimal by convexity)', () => {
  const rng = new Random(16);
  const n = 60;
  const a = randomPoints(rng, n);
  const t = [0.03, -0.04, 0.012];
  const b = a.map((v, k) => v + t[k % 3]);
  assert.ok(Math.abs(earthMoversDistance(a, b) - Math.hypot(t[0], t[1], t[2])) < 1e-12);
});

test('EMD with unequal sizes matches min(N, M) pairs: a subset has distance 0', () => {
  const rng = new Random(17);
  const b = randomPoints(rng, 9);
  const a = b.slice(3 * 2, 3 * 6); // points 2..5 of b
  const ab = earthMoversMatch(a, b);
  assert.equal(ab.distance, 0);
  assert.deepEqual(Array.from(ab.aToB), [2, 3, 4, 5]);
  const ba = earthMoversMatch(b, a);
  assert.equal(ba.distance, 0);
  assert.deepEqual(Array.from(ba.aToB), [-1, -1, 0, 1, 2, 3, -1, -1, -1]);
  // Unequal random sets: the mean over min(N, M) matched pairs of the exhaustive optimum.
  const c = randomPoints(rng, 4);
  const d = randomPoints(rng, 6);
  const cost = new Float64Array(4 * 6);
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 6; j++)
      cost[i * 6 + j] = Math.hypot(
        c[3 * i] - d[3 * j],
        c[3 * i + 1] - d[3 * j + 1],
        c[3 * i + 2] - d[3 * j + 2],
      );
  const expected = bruteForceAssignment(cost, 4, 6) / 4;
  assert.ok(Math.abs(earthMoversDistance(c, d) - expected) < 1e-12);
  assert.ok(Math.abs(earthMoversDistance(d, c) - expected) < 1e-12);
});

test('EMD on 150 points is a valid assignment no worse than the greedy one and symmetric', () => {
  const rng = new Random(18);
  const n = 150;
  const a = randomPoints(rng, n);
  const b = randomPoints(rng, n);
  const { distance, aToB } = earthMoversMatch(a, b);
  assertValidAssignment(aToB, n, n);
  // Greedy nearest-free matching is a feasible assignment, so the optimum cannot exceed it.
  const taken = new Uint8Array(n);
  let greedy = 0;
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestD = Number.POSITIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      if (taken[j]) continue;
      const d = Math.hypot(a[3 * i] - b[3 * j], a[3 * i + 1] - b[3 * j + 1], a[3 * i + 2] - b[3 * j + 2]);
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    taken[best] = 1;
    greedy += bestD;
  }
  assert.ok(distance <= greedy / n + 1e-12);
  assert.ok(Math.abs(earthMoversDistance(b, a) - distance) < 1e-12, 'symmetric');
  // Optimality check by local improvement: no pair swap lowers the cost (2-opt is implied by optimality).
  const dist = (i: number, j: number) =>
    Math.hypot(a[3 * i] - b[3 * j], a[3 * i + 1] - b[3 * j + 1], a[3 * i + 2] - b[3 * j + 2]);
  for (let i = 0; i < n; i++)
    for (let k = i + 1; k < n; k++)
      assert.ok(dist(i, aToB[k]) + dist(k, aToB[i]) >= dist(i, aToB[i]) + dist(k, aToB[k]) - 1e-12);
});

test('EMD accepts Float32 input and rejects bad input', () => {
  const a = new Float32Array([0, 0, 0, 1, 0, 0]);
  const b = new Float32Array([1, 0, 0, 0, 0, 0]);
  assert.equal(earthMoversDistance(a, b), 0);
  assert.throws(() => earthMoversDistance(new Float32Array(4), b), /3 numbers per point/);
  assert.throws(() => earthMoversDistance(new Float32Array(0), b), /at least one point/);
  assert.throws(() => earthMoversDistance(new Float32Array([0, 0, Number.NaN]), b), /a\[2\] must be finite/);
});
