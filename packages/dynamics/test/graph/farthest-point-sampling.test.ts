import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import {
  farthestPointSampling,
  radiusFarthestPointSampling,
} from '../../src/graph/farthest-point-sampling.js';
import { sampleControlParticles } from '../../src/graph/sample-particles.js';

function randomCloud(n: number, seed: number, scale = 0.2): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: 3 * n }, () => rng.uniform(-scale, scale));
}

function distance2(p: ArrayLike<number>, i: number, j: number): number {
  return (p[3 * i] - p[3 * j]) ** 2 + (p[3 * i + 1] - p[3 * j + 1]) ** 2 + (p[3 * i + 2] - p[3 * j + 2]) ** 2;
}

/** Brute force: each step recomputes every point's distance to the chosen set from scratch; first maximum wins. */
function farthestFromSet(points: ArrayLike<number>, chosen: number[]): { index: number; distance2: number } {
  let best = { index: 0, distance2: -1 };
  for (let i = 0; i < points.length / 3; i++) {
    const d = Math.min(...chosen.map((c) => distance2(points, i, c)));
    if (d > best.distance2) best = { index: i, distance2: d };
  }
  return best;
}

function oracleFps(points: ArrayLike<number>, count: number, start: number): number[] {
  const chosen = [start];
  while (chosen.length < count) chosen.push(farthestFromSet(points, chosen).index);
  return chosen;
}

function oracleRadiusFps(points: ArrayLike<number>, radius: number, start: number): number[] {
  const chosen = [start];
  for (;;) {
    const far = farthestFromSet(points, chosen);
    if (far.distance2 <= radius * radius) return chosen;
    chosen.push(far.index);
  }
}

/** Points at x = 0, 1, ..., 10 on a line. */
const line = Float32Array.from({ length: 33 }, (_, i) => (i % 3 === 0 ? i / 3 : 0));

test('farthest point sampling on a line: the known order', () => {
  assert.deepEqual([...farthestPointSampling(line, 5, 0)], [0, 10, 5, 2, 7]);
  // Points 0 and 10 are both 5 away from point 5: ties go to the lower index.
  assert.deepEqual([...farthestPointSampling(line, 3, 5)], [5, 0, 10]);
  assert.deepEqual([...farthestPointSampling(line, 0, 3)], []);
});

test('farthest point sampling equals the brute-force oracle on random clouds', () => {
  for (const [n, count, seed] of [
    [50, 20, 1],
    [200, 60, 2],
    [7, 7, 3],
  ]) {
    const points = randomCloud(n, seed);
    const start = new Random(seed + 100).int(n);
    assert.deepEqual([...farthestPointSampling(points, count, start)], oracleFps(points, count, start));
  }
});

test('radius farthest point sampling on a line: the known answers', () => {
  assert.deepEqual([...radiusFarthestPointSampling(line, 2.5, 0)], [0, 10, 5]);
  assert.deepEqual([...radiusFarthestPointSampling(line, 1.5, 0)], [0, 10, 5, 2, 7]);
  // Within the radius counts as covered: with radius 10 the start covers everything.
  assert.deepEqual([...radiusFarthestPointSampling(line, 10, 0)], [0]);
  assert.deepEqual([...radiusFarthestPointSampling(line, 9.5, 0)], [0, 10]);
  // Radius 0 keeps adding until every distinct point is chosen.
  assert.equal(radiusFarthestPointSampling(line, 0, 4).length, 11);
});

test('radius farthest point sampling equals the oracle and covers every point within the radius', () => {
  for (const [n, radius, seed] of [
    [300, 0.05, 4],
    [400, 0.03, 5],
  ] as const) {
    const points = randomCloud(n, seed, 0.1);
    const start = new Random(seed).int(n);
    const chosen = [...radiusFarthestPointSampling(points, radius, start)];
    assert.deepEqual(chosen, oracleRadiusFps(points, radius, start));
    for (let i = 0; i < n; i++)
      assert.ok(Math.min(...chosen.map((c) => distance2(points, i, c))) <= radius * radius);
    // Every added point was farther than the radius from all chosen before it.
    for (let a = 0; a < chosen.length; a++)
      for (let b = 0; b < a; b++) assert.ok(distance2(points, chosen[a], chosen[b]) > radius * radius);
  }
});

test('sampling rejects bad arguments with RangeErrors', () => {
  assert.throws(() => farthestPointSampling(line, 12, 0), RangeError);
  assert.throws(() => farthestPointSampling(line, 2, 11), RangeError);
  assert.throws(() => farthestPointSampling(new Float32Array(4), 1, 0), RangeError);
  assert.throws(() => radiusFarthestPointSampling(line, -1, 0), RangeError);
  assert.throws(() => radiusFarthestPointSampling(new Float32Array(0), 1, 0), RangeError);
});

test('control particles: at most maxParticles, pairwise farther than the vertex radius, seeded', () => {
  const points = randomCloud(1000, 6, 0.15);
  const config = { maxParticles: 100, vertexRadius: 0.03 };
  const a = sampleControlParticles(points, config, new Random(7));
  const b = sampleControlParticles(points, config, new Random(7));
  const c = sampleControlParticles(points, config, new Random(8));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.length > 10 && a.length <= 100, `${a.length}`);
  assert.equal(new Set(a).size, a.length);
  for (let i = 0; i < a.length; i++)
    for (let j = 0; j < i; j++) assert.ok(distance2(points, a[i], a[j]) > 0.03 * 0.03);
  // A sparse cloud (points 1 apart) under a small radius: every point becomes a vertex, capped by maxParticles.
  assert.equal(
    sampleControlParticles(line, { maxParticles: 100, vertexRadius: 0.5 }, new Random(1)).length,
    11,
  );
  assert.equal(sampleControlParticles(line, { maxParticles: 4, vertexRadius: 0.5 }, new Random(1)).length, 4);
});
