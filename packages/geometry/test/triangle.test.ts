import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '../src/random.js';
import {
  closestTriangle,
  pointMeshDistance,
  pointTriangleDistanceSquared,
  rayTriangleIntersection,
  triangleNormal,
} from '../src/triangle.js';

const tri = [0, 0, 0, 1, 0, 0, 0, 1, 0];

test('known answers in every Voronoi region of a right triangle', () => {
  const cases: [number[], number][] = [
    [[0.2, 0.2, 0.5], 0.5], // face
    [[-1, -1, 0], Math.SQRT2], // vertex a
    [[2, 0, 0], 1], // vertex b
    [[0, 3, 1], Math.hypot(2, 1)], // vertex c
    [[0.5, -2, 0], 2], // edge ab
    [[-0.5, 0.5, 0], 0.5], // edge ac
    [[1, 1, 0], Math.SQRT1_2], // edge bc
  ];
  for (const [p, expected] of cases) {
    const d = Math.sqrt(pointTriangleDistanceSquared(p, 0, tri, 0, 3, 6));
    assert.ok(Math.abs(d - expected) < 1e-12, `${p}: ${d} vs ${expected}`);
  }
});

test('agrees with a dense barycentric search on random triangles and points', () => {
  const rng = new Random(3);
  for (let trial = 0; trial < 50; trial++) {
    const v = Array.from({ length: 9 }, () => rng.uniform(-1, 1));
    const p = Array.from({ length: 3 }, () => rng.uniform(-2, 2));
    let best = Number.POSITIVE_INFINITY;
    const n = 300;
    for (let i = 0; i <= n; i++)
      for (let j = 0; i + j <= n; j++) {
        const s = i / n;
        const t = j / n;
        const q = [0, 1, 2].map((k) => v[k] + s * (v[3 + k] - v[k]) + t * (v[6 + k] - v[k]));
        best = Math.min(best, Math.hypot(q[0] - p[0], q[1] - p[1], q[2] - p[2]));
      }
    const d = pointMeshDistance(p, v, [0, 1, 2]);
    assert.ok(d <= best + 1e-12 && best - d < 1e-2, `trial ${trial}: ${d} vs grid ${best}`);
  }
});

test('ray-triangle intersection: hits inside at the right distance, misses outside and behind', () => {
  const v = [0, 0, 1, 1, 0, 1, 0, 1, 1];
  assert.ok(Math.abs(rayTriangleIntersection([0.2, 0.2, 0], [0, 0, 2], v, 0, 3, 6) - 0.5) < 1e-12);
  assert.ok(Math.abs(rayTriangleIntersection([0.2, 0.2, 3], [0, 0, -1], v, 0, 3, 6) - 2) < 1e-12);
  assert.equal(rayTriangleIntersection([0.8, 0.8, 0], [0, 0, 1], v, 0, 3, 6), -1);
  assert.equal(rayTriangleIntersection([0.2, 0.2, 2], [0, 0, 1], v, 0, 3, 6), -1);
  assert.equal(rayTriangleIntersection([0.2, 0.2, 0], [1, 0, 0], v, 0, 3, 6), -1);
  // Oblique ray through a known point of the triangle.
  const origin = [1, -1, -1];
  const target = [0.25, 0.5, 1];
  const dir = [target[0] - origin[0], target[1] - origin[1], target[2] - origin[2]];
  assert.ok(Math.abs(rayTriangleIntersection(origin, dir, v, 0, 3, 6) - 1) < 1e-12);
});

test('closestTriangle finds the nearest face of a two-triangle mesh', () => {
  const vertices = [0, 0, 0, 1, 0, 0, 0, 1, 0, 5, 0, 0, 6, 0, 0, 5, 1, 0];
  const r = closestTriangle([5.2, 0.2, 0.3], vertices, [0, 1, 2, 3, 4, 5]);
  assert.equal(r.triangle, 1);
  assert.ok(Math.abs(r.distance - 0.3) < 1e-12);
});

test('triangleNormal points out of the counter-clockwise face with length twice the area', () => {
  const v = [1, 1, 1, 3, 1, 1, 1, 4, 1];
  assert.deepEqual(triangleNormal(v, 0, 3, 6), [0, 0, 6]);
  assert.deepEqual(triangleNormal(v, 0, 6, 3), [0, 0, -6]);
});
