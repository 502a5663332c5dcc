import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { chamferDistance } from '../../src/metrics/chamfer-distance.js';

test('Chamfer distance of identical sets is 0 and of two single points twice their distance', () => {
  const rng = new Random(21);
  const a = new Float64Array(30).map(() => rng.uniform(-1, 1));
  assert.equal(chamferDistance(a, a), 0);
  const p = new Float64Array([0, 0, 0]);
  const q = new Float64Array([3, 4, 0]);
  assert.equal(chamferDistance(p, q), 10);
});

test('Chamfer distance on a hand-computed example (unequal sizes, Euclidean not squared)', () => {
  // a = {(0,0,0), (2,0,0)}, b = {(0,1,0), (2,0,0), (5,0,0)}.
  // a -> b: 1 (to (0,1,0)) and 0; mean 0.5. b -> a: 1, 0, 3; mean 4/3.
  const a = new Float32Array([0, 0, 0, 2, 0, 0]);
  const b = new Float32Array([0, 1, 0, 2, 0, 0, 5, 0, 0]);
  assert.ok(Math.abs(chamferDistance(a, b) - (0.5 + 4 / 3)) < 1e-12);
  assert.ok(Math.abs(chamferDistance(b, a) - (0.5 + 4 / 3)) < 1e-12, 'symmetric');
});

test('Chamfer distance of a set and its small translation is the translation length', () => {
  // Points on a 10 cm grid moved by 1 mm: every nearest neighbour is the point's own image.
  const a: number[] = [];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) a.push(0.1 * i, 0.1 * j, 0);
  const pa = new Float64Array(a);
  const t = [0.0006, -0.0008, 0];
  const pb = pa.map((v, k) => v + t[k % 3]);
  assert.ok(Math.abs(chamferDistance(pa, pb) - 2 * 0.001) < 1e-12);
});

test('Chamfer distance rejects malformed and empty sets', () => {
  assert.throws(() => chamferDistance(new Float32Array(2), new Float32Array(3)), /3 numbers per point/);
  assert.throws(() => chamferDistance(new Float32Array(0), new Float32Array(3)), /at least one point/);
  assert.throws(
    () => chamferDistance(new Float32Array(3), new Float32Array([0, Number.POSITIVE_INFINITY, 0])),
    /b\[1\] must be finite/,
  );
});
