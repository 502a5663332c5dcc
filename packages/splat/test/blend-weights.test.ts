// blendWeights (blend-weights.ts) against two oracles: the image is linear in the features, so a Gaussian's summed
// blending weight is the change of the summed first channel when its first feature grows by one; and a Gaussian
// behind an opaque wall gets none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lookAt, type PinholeCamera } from '@gsdyn/geometry';
import { blendWeights } from '../src/blend-weights.js';
import { cloneCloud, createCloud, selectGaussians } from '../src/cloud.js';
import { renderGaussians } from '../src/render.js';
import type { GaussianCloud } from '../src/types.js';
import { createWasmTileRasterizer } from '../src/wasm/tile-rasterizer-wasm.js';
import { boxCloud } from './box-cloud.js';

const camera: PinholeCamera = {
  width: 40,
  height: 32,
  fx: 260,
  fy: 260,
  cx: 19.5,
  cy: 15.5,
  worldToCamera: lookAt([0.3, -0.2, 0.25], [0, 0, 0]),
};

function channelZeroSum(cloud: GaussianCloud): number {
  const r = renderGaussians(cloud, camera);
  let sum = 0;
  for (let p = 0; p < r.width * r.height; p++) sum += r.image[p];
  return sum;
}

test('blendWeights: each Gaussian gets d(sum of channel 0)/d(its colour 0), in pixels', () => {
  const cloud = boxCloud(30, 7, { scale: [0.003, 0.01], logitOpacity: [-1, 2] });
  const weights = blendWeights(cloud, camera);
  const base = channelZeroSum(cloud);
  let visible = 0;
  for (let i = 0; i < cloud.count; i++) {
    const bumped = cloneCloud(cloud);
    bumped.colors[3 * i] += 1;
    const expected = channelZeroSum(bumped) - base;
    assert.ok(
      Math.abs(weights[i] - expected) <= 1e-3 * Math.max(1, expected),
      `Gaussian ${i}: ${weights[i]} vs ${expected}`,
    );
    if (expected > 1) visible++;
  }
  assert.ok(visible > 10, `only ${visible} of 30 Gaussians cover a pixel: the oracle tests nothing`);
});

test('blendWeights: a Gaussian behind an opaque wall gets (almost) none, the wall its area', () => {
  // A wall of large opaque Gaussians at the origin, and one small Gaussian 2 cm behind its centre.
  const wall = createCloud(26, 0);
  let i = 0;
  for (let a = -2; a <= 2; a++)
    for (let b = -2; b <= 2; b++, i++) {
      wall.means.set([0.012 * a, 0.012 * b, 0], 3 * i);
      wall.logScales.set([Math.log(0.012), Math.log(0.012), Math.log(0.001)], 3 * i);
      wall.quaternions.set([1, 0, 0, 0], 4 * i);
      wall.logitOpacities[i] = 8;
    }
  const cam: PinholeCamera = { ...camera, worldToCamera: lookAt([0, 0, 0.3], [0, 0, 0], [0, 1, 0]) };
  wall.means.set([0, 0, -0.02], 3 * 25);
  wall.logScales.set([Math.log(0.002), Math.log(0.002), Math.log(0.002)], 3 * 25);
  wall.quaternions.set([1, 0, 0, 0], 4 * 25);
  wall.logitOpacities[25] = 8;
  const weights = blendWeights(wall, cam);
  assert.ok(weights[25] < 1e-3, `hidden Gaussian: ${weights[25]}`);
  // Alone, the same Gaussian covers several pixels.
  const alone = blendWeights(selectGaussians(wall, Uint32Array.of(25)), cam);
  assert.ok(alone[0] > 2, `alone: ${alone[0]}`);
  let total = 0;
  for (const w of weights) total += w;
  // Every pixel the opaque wall covers is all wall: the weights add up to the summed alpha.
  const r = renderGaussians(wall, cam);
  let alpha = 0;
  for (const a of r.alpha) alpha += a;
  assert.ok(Math.abs(total - alpha) < 1e-2 * alpha, `${total} vs ${alpha}`);
});

test('blendWeights: the WebAssembly rasteriser agrees with the reference', () => {
  const cloud = boxCloud(40, 11, { scale: [0.003, 0.01], logitOpacity: [-1, 2] });
  const rasterizer = createWasmTileRasterizer();
  try {
    const fast = blendWeights(cloud, camera, { rasterizer });
    const reference = blendWeights(cloud, camera);
    for (let i = 0; i < cloud.count; i++)
      assert.ok(Math.abs(fast[i] - reference[i]) <= 1e-3 * Math.max(1, reference[i]), `Gaussian ${i}`);
  } finally {
    rasterizer.dispose?.();
  }
});
