import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { evaluateSurfacePoints, sampleSurfacePoints } from '../src/simulate.js';

test('sampled points lie on their triangle, inside it, and follow it when it moves', () => {
  const triangles = Uint32Array.from([0, 1, 2]);
  const vertices = Float32Array.from([0, 0, 0, 2, 0, 0, 0, 1, 0]);
  const binding = sampleSurfacePoints(triangles, vertices, 500, new Random(1));
  const points = evaluateSurfacePoints(binding, triangles, vertices);
  for (let k = 0; k < 500; k++) {
    const [a, b, c] = binding.bary.slice(3 * k, 3 * k + 3);
    assert.ok(a >= 0 && b >= 0 && c >= 0 && Math.abs(a + b + c - 1) < 1e-6);
    // Known answer: barycentric (a, b, c) on this triangle is the point (2b, c, 0).
    assert.ok(Math.abs(points[3 * k] - 2 * b) < 1e-6 && Math.abs(points[3 * k + 1] - c) < 1e-6);
    assert.equal(points[3 * k + 2], 0);
    const x = points[3 * k];
    const y = points[3 * k + 1];
    assert.ok(x >= 0 && y >= 0 && x / 2 + y <= 1 + 1e-6, 'inside the triangle');
  }
  // Uniform inside the triangle: the mean is its centroid.
  let mx = 0;
  let my = 0;
  for (let k = 0; k < 500; k++) {
    mx += points[3 * k] / 500;
    my += points[3 * k + 1] / 500;
  }
  assert.ok(Math.abs(mx - 2 / 3) < 0.05 && Math.abs(my - 1 / 3) < 0.03, `mean (${mx}, ${my})`);
  // Lift the triangle: the bound points move with it.
  const lifted = Float32Array.from([0, 0, 1, 2, 0, 1, 0, 1, 1]);
  const out = new Float32Array(3 * 500);
  assert.equal(evaluateSurfacePoints(binding, triangles, lifted, out), out);
  for (let k = 0; k < 500; k++) assert.ok(Math.abs(out[3 * k + 2] - 1) < 1e-6);
});

test('sampling is area-weighted: counts per triangle follow the area ratio', () => {
  // A big triangle (area 8) and a small one (area 0.5), far apart.
  const triangles = Uint32Array.from([0, 1, 2, 3, 4, 5]);
  const vertices = Float32Array.from([0, 0, 0, 4, 0, 0, 0, 4, 0, 10, 0, 0, 11, 0, 0, 10, 1, 0]);
  const count = 17000;
  const binding = sampleSurfacePoints(triangles, vertices, count, new Random(2));
  const small = binding.triangle.reduce((s, t) => s + t, 0);
  const expected = (count * 0.5) / 8.5;
  // Binomial standard deviation is about 31; allow 5 of them.
  assert.ok(Math.abs(small - expected) < 160, `${small} points on the small triangle, expected ${expected}`);
  const again = sampleSurfacePoints(triangles, vertices, count, new Random(2));
  assert.deepEqual(again, binding);
});

test('degenerate inputs are rejected', () => {
  assert.throws(
    () => sampleSurfacePoints(new Uint32Array(0), new Float32Array(0), 1, new Random(1)),
    /triangles/,
  );
  const flat = Float32Array.from([0, 0, 0, 1, 0, 0, 2, 0, 0]);
  assert.throws(() => sampleSurfacePoints(Uint32Array.from([0, 1, 2]), flat, 1, new Random(1)), /zero area/);
});
