import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { Adam } from '../src/adam.js';
import { cloudAdamGroups, createCloud } from '../src/cloud.js';
import {
  accumulateScreenGradients,
  createDensifyState,
  densifyAndPrune,
  resetOpacities,
  SPLIT_SCALE_DIVISOR,
} from '../src/densify.js';
import type { GaussianCloud } from '../src/types.js';

const logit = (p: number) => Math.log(p / (1 - p));

/** 0: small + high gradient (clone), 1: big + high gradient (split), 2: low gradient, 3: transparent (prune). */
function fixture(): GaussianCloud {
  const c = createCloud(4, 1);
  for (let i = 0; i < 4; i++) {
    c.means.set([i, 2 * i, 3 * i], 3 * i);
    c.colors.set([0.1 * i, 0.2, 0.3], 3 * i);
    c.extras[i] = i + 0.5;
    c.logitOpacities[i] = logit(0.6);
    c.logScales.fill(Math.log(0.001), 3 * i, 3 * i + 3);
  }
  c.logScales.set([Math.log(0.02), Math.log(0.1), Math.log(0.03)], 3);
  c.quaternions.set([0.5, 0.5, 0.5, 0.5], 4);
  c.logitOpacities[3] = logit(0.001);
  return c;
}

function adamFor(c: GaussianCloud): Adam {
  const adam = new Adam(
    cloudAdamGroups(c, { means: 1e-4, quaternions: 1e-3, logScales: 1e-3, logitOpacities: 0.05 }),
  );
  // Give every Gaussian distinct, non-zero moments.
  for (let s = 0; s < 2; s++) {
    adam.step({
      means: Float32Array.from({ length: 12 }, (_, i) => i + 1 + s),
      quaternions: Float32Array.from({ length: 16 }, (_, i) => -(i + 1)),
      logScales: Float32Array.from({ length: 12 }, (_, i) => 0.5 * (i + 1)),
      logitOpacities: Float32Array.of(1, 2, 3, 4),
    });
  }
  return adam;
}

test('accumulateScreenGradients adds the xy norm of seen Gaussians only', () => {
  const state = createDensifyState(3);
  accumulateScreenGradients(state, Float32Array.of(3, 4, 1, 1, 6, 8), Int32Array.of(2, 0, 1));
  accumulateScreenGradients(state, Float32Array.of(0, 1, 1, 1, 0, 0), Int32Array.of(1, 0, 5));
  assert.deepEqual(Array.from(state.gradAccum), [6, 0, 10]);
  assert.deepEqual(Array.from(state.denom), [2, 0, 2]);
  assert.throws(
    () => accumulateScreenGradients(state, new Float32Array(4), new Int32Array(3)),
    /expected 3 radii/,
  );
});

test('clone small, split big (2 copies, scales / 1.6, original removed), prune transparent; Adam stays aligned', () => {
  const cloud = fixture();
  const adam = adamFor(cloud);
  const before = {
    means: adam.moments('means').m.slice(),
    quats: adam.moments('quaternions').v.slice(),
    opac: adam.moments('logitOpacities').m.slice(),
  };
  const state = createDensifyState(4);
  // Mean gradients: 0 -> 3e-4, 1 -> 5e-4, 2 -> 1e-4 (below 2e-4), 3 -> 1e-3 (but transparent).
  state.gradAccum.set([6e-4, 5e-4, 1e-4, 1e-3]);
  state.denom.set([2, 1, 1, 1]);
  const r = densifyAndPrune(cloud, adam, state, { sceneRadius: 1, rng: new Random(5) });
  // Gaussian 3 is small with a high gradient, so it is cloned too (as in the reference, cloning comes before
  // pruning), and then both it and its clone are pruned as transparent.
  assert.equal(r.cloned, 2);
  assert.equal(r.split, 1);
  assert.equal(r.pruned, 2);
  // Order: survivors 0, 2; the clone of 0; the two split copies of 1.
  const c = r.cloud;
  assert.equal(c.count, 5);
  assert.deepEqual(Array.from(c.extras), [0.5, 2.5, 0.5, 1.5, 1.5]);
  assert.deepEqual(c.means.subarray(6, 9), cloud.means.subarray(0, 3), 'a clone is an exact copy');
  assert.deepEqual(c.logScales.subarray(6, 9), cloud.logScales.subarray(0, 3));
  for (const j of [3, 4]) {
    for (let k = 0; k < 3; k++) {
      const want = Math.fround(cloud.logScales[3 + k] - Math.log(SPLIT_SCALE_DIVISOR));
      assert.ok(Math.abs(c.logScales[3 * j + k] - want) < 1e-6);
    }
    assert.deepEqual(c.quaternions.subarray(4 * j, 4 * j + 4), cloud.quaternions.subarray(4, 8));
    assert.equal(c.logitOpacities[j], cloud.logitOpacities[1]);
    const offset = Math.hypot(c.means[3 * j] - 1, c.means[3 * j + 1] - 2, c.means[3 * j + 2] - 3);
    assert.ok(offset > 0 && offset < 0.6, `split copy ${j} offset ${offset}`);
  }
  assert.notDeepEqual(c.means.subarray(9, 12), c.means.subarray(12, 15));
  assert.equal(r.state.gradAccum.length, 5);
  assert.ok(r.state.gradAccum.every((v) => v === 0));

  // Adam: survivors keep their moments, new Gaussians start at zero, params alias the new cloud.
  const m = adam.moments('means').m;
  assert.deepEqual(m.subarray(0, 3), before.means.subarray(0, 3));
  assert.deepEqual(m.subarray(3, 6), before.means.subarray(6, 9));
  assert.ok(m.subarray(6).every((v) => v === 0));
  const v = adam.moments('quaternions').v;
  assert.deepEqual(v.subarray(4, 8), before.quats.subarray(8, 12));
  assert.deepEqual(Array.from(adam.moments('logitOpacities').m), [before.opac[0], before.opac[2], 0, 0, 0]);
  assert.equal(adam.params('means'), c.means);
  assert.equal(adam.params('logitOpacities'), c.logitOpacities);
  assert.ok(!adam.has('colors'));
  adam.step({ means: new Float32Array(15).fill(1) });
});

test('split offsets follow the rotated, anisotropic scale', () => {
  // 400 elongated Gaussians (sigma 0.2 along local x, 0.001 elsewhere), rotated 90 degrees about z: local x -> world y.
  const n = 400;
  const c = createCloud(n);
  const h = Math.SQRT1_2;
  for (let i = 0; i < n; i++) {
    c.quaternions.set([h, 0, 0, h], 4 * i);
    c.logScales.set([Math.log(0.2), Math.log(0.001), Math.log(0.001)], 3 * i);
  }
  const state = createDensifyState(n);
  state.gradAccum.fill(1);
  state.denom.fill(1);
  const r = densifyAndPrune(c, new Adam([]), state, { sceneRadius: 1, rng: new Random(9) });
  assert.equal(r.cloud.count, 2 * n);
  const sd = [0, 0, 0];
  for (let j = 0; j < r.cloud.count; j++) for (let k = 0; k < 3; k++) sd[k] += r.cloud.means[3 * j + k] ** 2;
  for (let k = 0; k < 3; k++) sd[k] = Math.sqrt(sd[k] / r.cloud.count);
  assert.ok(Math.abs(sd[1] - 0.2) < 0.02, `world y spread ${sd[1]}`);
  assert.ok(sd[0] < 0.0013 && sd[2] < 0.0013, `world x, z spread ${sd[0]}, ${sd[2]}`);
});

test('pruneBig removes Gaussians larger than bigFraction R; Dyn3DGS scale fraction 0.01 clones fewer', () => {
  const cloud = fixture();
  const state = createDensifyState(4);
  const adam = adamFor(cloud);
  const r = densifyAndPrune(cloud, adam, state, { sceneRadius: 0.5, pruneBig: true, rng: new Random(1) });
  // No gradients: nothing densified; 1 (0.1 > 0.05) is too big, 3 transparent.
  assert.deepEqual([r.cloned, r.split, r.pruned, r.cloud.count], [0, 0, 2, 2]);
  assert.deepEqual(Array.from(r.cloud.extras), [0.5, 2.5]);

  const s2 = createDensifyState(4);
  s2.gradAccum.set([1, 0, 0, 0]);
  s2.denom.set([1, 0, 0, 0]);
  // max scale 0.001 > 0.01 * 0.05: split instead of clone.
  const r2 = densifyAndPrune(fixture(), adamFor(fixture()), s2, {
    sceneRadius: 0.05,
    scaleFraction: 0.01,
    rng: new Random(1),
  });
  assert.deepEqual([r2.cloned, r2.split], [0, 1]);
  assert.throws(
    () => densifyAndPrune(cloud, adam, createDensifyState(3), { sceneRadius: 1, rng: new Random(1) }),
    /3 accumulators, expected one per Gaussian \(4\)/,
  );
});

test('resetOpacities sets opacity 0.01 and zeroes only the opacity moments', () => {
  const cloud = fixture();
  const adam = adamFor(cloud);
  resetOpacities(cloud, adam);
  for (const v of cloud.logitOpacities) assert.ok(Math.abs(1 / (1 + Math.exp(-v)) - 0.01) < 1e-7);
  assert.ok(adam.moments('logitOpacities').m.every((v) => v === 0));
  assert.ok(adam.moments('logitOpacities').v.every((v) => v === 0));
  assert.ok(adam.moments('means').m.some((v) => v !== 0));
  assert.equal(adam.stepCount, 2);
});
