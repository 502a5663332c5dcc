import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeGaussianPly, parseGaussianPly } from '@gsdyn/formats';
import { Random } from '@gsdyn/geometry';
import {
  cloneCloud,
  cloudFromFileData,
  cloudFromPointCloud,
  cloudToFileData,
  concatClouds,
  createCloud,
  MIN_INIT_SQ_DIST,
  selectGaussians,
  zeroGradients,
} from '../src/cloud.js';
import type { GaussianCloud } from '../src/types.js';

function randomCloud(rng: Random, n: number, extraChannels: number): GaussianCloud {
  const c = createCloud(n, extraChannels);
  for (const a of [c.means, c.quaternions, c.logScales, c.logitOpacities, c.extras]) {
    for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-2, 2);
  }
  for (let i = 0; i < c.colors.length; i++) c.colors[i] = rng.next();
  return c;
}

test('createCloud: zeros with identity quaternions; zeroGradients has the same shapes plus screen means', () => {
  const c = createCloud(3, 2);
  assert.deepEqual(Array.from(c.quaternions), [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
  assert.equal(c.extras.length, 6);
  assert.ok(c.means.every((v) => v === 0) && c.logitOpacities.every((v) => v === 0));
  const g = zeroGradients(c);
  assert.equal(g.means.length, 9);
  assert.equal(g.quaternions.length, 12);
  assert.equal(g.extras.length, 6);
  assert.equal(g.screenMeans.length, 6);
});

test('select, concat and clone move whole Gaussians (every field, extras Gaussian-major)', () => {
  const rng = new Random(1);
  const a = randomCloud(rng, 5, 2);
  const b = randomCloud(rng, 3, 2);
  const s = selectGaussians(a, Uint32Array.of(4, 1, 1));
  assert.equal(s.count, 3);
  assert.deepEqual(Array.from(s.quaternions.subarray(0, 4)), Array.from(a.quaternions.subarray(16, 20)));
  assert.deepEqual(Array.from(s.extras), [
    a.extras[8],
    a.extras[9],
    a.extras[2],
    a.extras[3],
    a.extras[2],
    a.extras[3],
  ]);
  assert.equal(s.logitOpacities[0], a.logitOpacities[4]);
  const ab = concatClouds(a, b);
  assert.equal(ab.count, 8);
  assert.deepEqual(ab.colors.subarray(15), b.colors);
  assert.deepEqual(ab.means.subarray(0, 15), a.means);
  const c = cloneCloud(a);
  c.means[0] += 1;
  assert.notEqual(c.means[0], a.means[0]);
  assert.throws(() => concatClouds(a, createCloud(1, 0)), /extraChannels differ/);
  assert.throws(() => selectGaussians(a, Uint32Array.of(5)), /index 5 out of range/);
});

test('cloudFromPointCloud: the reference initialisation with hand-computed 3-NN scales', () => {
  const positions = Float32Array.of(0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 10, 10, 10);
  const colors = Float32Array.from({ length: 15 }, (_, i) => i / 15);
  const extras = Float32Array.from({ length: 10 }, (_, i) => i);
  const c = cloudFromPointCloud(positions, colors, { extras });
  assert.equal(c.extraChannels, 2);
  assert.deepEqual(c.means, positions);
  assert.deepEqual(c.colors, colors);
  assert.deepEqual(c.extras, extras);
  assert.ok(c.logitOpacities.every((v) => v === 0));
  assert.deepEqual(Array.from(c.quaternions.subarray(0, 8)), [1, 0, 0, 0, 1, 0, 0, 0]);
  // Point 0: neighbours at squared distances 1, 4, 9. Point 4: 249, 264, 281 (to (0,0,3), (0,2,0), (1,0,0)).
  // Point 1: to (0,0,0) 1, to (0,2,0) 5, to (0,0,3) 10.
  const expected = [14 / 3, 16 / 3, (4 + 5 + 13) / 3, (9 + 10 + 13) / 3, (249 + 264 + 281) / 3];
  for (let i = 0; i < 5; i++) {
    const want = Math.fround(Math.log(Math.sqrt(expected[i])));
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(c.logScales[3 * i + k] - want) < 1e-6, `point ${i}`);
  }
  // Coincident points get the 1e-7 floor on the mean squared distance.
  const dup = cloudFromPointCloud(new Float32Array(12).fill(0.5), new Float32Array(12));
  assert.ok(Math.abs(dup.logScales[0] - Math.log(Math.sqrt(MIN_INIT_SQ_DIST))) < 1e-6);
  assert.throws(() => cloudFromPointCloud(positions, new Float32Array(14)), /colors has 14 values/);
});

test('cloud <-> formats interchange data round-trips, including through PLY bytes', () => {
  const rng = new Random(2);
  const c = randomCloud(rng, 7, 3);
  const data = cloudToFileData(c);
  assert.equal(data.shDegree, 0);
  assert.deepEqual(Object.keys(data.extra ?? {}), ['extra_0', 'extra_1', 'extra_2']);
  assert.equal(data.extra?.extra_1[4], c.extras[4 * 3 + 1]);
  assert.deepEqual(cloudFromFileData(data), c);
  const back = cloudFromFileData(parseGaussianPly(encodeGaussianPly(data)));
  assert.deepEqual(back.means, c.means);
  assert.deepEqual(back.quaternions, c.quaternions);
  assert.deepEqual(back.logScales, c.logScales);
  assert.deepEqual(back.logitOpacities, c.logitOpacities);
  assert.deepEqual(back.extras, c.extras);
  for (let i = 0; i < c.colors.length; i++) assert.ok(Math.abs(back.colors[i] - c.colors[i]) < 1e-6);
  assert.throws(
    () =>
      cloudFromFileData({ ...data, extra: { extra_0: new Float32Array(7), extra_2: new Float32Array(7) } }),
    /extra_0\.\.extra_1, found extra_2/,
  );
});
