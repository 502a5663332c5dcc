import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lookAt, type PinholeCamera, Random, type Vec3, worldToCameraPoint } from '@gsdyn/geometry';
import { renderGaussians, renderGaussiansBackward } from '../src/render.js';
import type { GaussianCloud, PixelConvention } from '../src/types.js';

function isotropic(
  mean: Vec3,
  scale: number,
  opacity: number,
  color: Vec3,
  extras: number[] = [],
): GaussianCloud {
  return {
    count: 1,
    means: Float32Array.from(mean),
    quaternions: Float32Array.of(0.3, -0.5, 0.2, 0.7), // any rotation: the Gaussian is a sphere
    logScales: new Float32Array(3).fill(Math.log(scale)),
    logitOpacities: Float32Array.of(Math.log(opacity / (1 - opacity))),
    colors: Float32Array.from(color),
    extraChannels: extras.length,
    extras: Float32Array.from(extras),
  };
}

const identityPose = () => Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);

test('closed form: an isotropic Gaussian seen head-on renders c min(0.99, o exp(-r^2 / 2 sigma_px^2))', () => {
  const cam: PinholeCamera = {
    width: 48,
    height: 40,
    fx: 60,
    fy: 60,
    cx: 23.3,
    cy: 19.6,
    worldToCamera: identityPose(),
  };
  const z = 1.25;
  const o = 0.995;
  const cloud = isotropic([0, 0, z], 0.07, o, [0.9, 0.5, 0.2]);
  const s = Math.exp(cloud.logScales[0]);
  const opacity = 1 / (1 + Math.exp(-cloud.logitOpacities[0]));
  const sigma2 = ((cam.fx * s) / z) ** 2 + 0.3;
  const radius = Math.ceil(3 * Math.sqrt(sigma2 + Math.sqrt(0.1)));
  const result = renderGaussians(cloud, cam);
  assert.equal(result.radii[0], radius);
  const pixels = cam.width * cam.height;
  let blended = 0;
  let clamped = 0;
  for (let y = 0; y < cam.height; y++)
    for (let x = 0; x < cam.width; x++) {
      const r2 = (x - (cam.cx - 0.5)) ** 2 + (y - (cam.cy - 0.5)) ** 2;
      const raw = opacity * Math.exp(-r2 / (2 * sigma2));
      const alpha = Math.min(0.99, raw);
      const pix = y * cam.width + x;
      if (Math.sqrt(r2) > radius) {
        // Beyond the radius only the tile rectangle decides; either blended by the formula or not at all.
        assert.ok(result.alpha[pix] === 0 || Math.abs(result.alpha[pix] - alpha) < 1e-5);
        continue;
      }
      const expected = alpha < 1 / 255 ? 0 : alpha;
      if (expected > 0) blended++;
      if (raw > 0.99) clamped++;
      assert.ok(Math.abs(result.alpha[pix] - expected) < 1e-5, `alpha at ${x},${y}`);
      for (let ch = 0; ch < 3; ch++)
        assert.ok(
          Math.abs(result.image[ch * pixels + pix] - cloud.colors[ch] * expected) < 1e-5,
          `colour at ${x},${y}`,
        );
      assert.ok(expected === 0 || Math.abs(result.medianDepth[pix] - (expected >= 0.5 ? z : 0)) < 1e-6);
      assert.ok(expected === 0 || Math.abs(result.expectedDepth[pix] - z) < 1e-6);
    }
  assert.ok(blended > 100 && clamped >= 1, `${blended} pixels blended, ${clamped} clamped at 0.99`);
});

/**
 * Closed form off axis, any pose: Sigma = s^2 I is rotation invariant, so the 2D covariance is s^2 J J^T + 0.3 I
 * with J the perspective Jacobian at the camera-space mean, and the footprint is centred where K puts the mean,
 * shifted by half a pixel for '3dgs' only.
 */
function checkOffAxis(convention: PixelConvention): void {
  const cam: PinholeCamera = {
    width: 40,
    height: 36,
    fx: 52,
    fy: 47,
    cx: 18.7,
    cy: 17.2,
    worldToCamera: lookAt([0.5, -0.6, 0.7], [0.02, 0.01, 0.05]),
  };
  const mean: Vec3 = [0.08, 0.05, 0.1];
  const cloud = isotropic(mean, 0.03, 0.6, [0.3, 0.6, 0.9], [0.25]);
  const [tx, ty, tz] = worldToCameraPoint(cam, Array.from(cloud.means) as Vec3);
  const s2 = Math.exp(2 * cloud.logScales[0]);
  const J = [
    [cam.fx / tz, 0, (-cam.fx * tx) / tz ** 2],
    [0, cam.fy / tz, (-cam.fy * ty) / tz ** 2],
  ];
  const a = s2 * (J[0][0] ** 2 + J[0][2] ** 2) + 0.3;
  const b = s2 * J[0][2] * J[1][2];
  const c = s2 * (J[1][1] ** 2 + J[1][2] ** 2) + 0.3;
  const det = a * c - b * b;
  const shift = convention === '3dgs' ? 0.5 : 0;
  const u = (cam.fx * tx) / tz + cam.cx - shift;
  const v = (cam.fy * ty) / tz + cam.cy - shift;
  const opacity = 1 / (1 + Math.exp(-cloud.logitOpacities[0]));
  const bg = [0.1, 0.2, 0.3, 0.4];
  const result = renderGaussians(cloud, cam, { pixelConvention: convention, background: bg });
  assert.equal(result.channels, 4);
  const pixels = cam.width * cam.height;
  let checked = 0;
  for (let y = 0; y < cam.height; y++)
    for (let x = 0; x < cam.width; x++) {
      const dx = x - u;
      const dy = y - v;
      if (dx * dx + dy * dy > 36) continue; // well inside the 3-sigma rectangle
      const alpha = opacity * Math.exp((-0.5 * (c * dx * dx - 2 * b * dx * dy + a * dy * dy)) / det);
      if (alpha < 1 / 255) continue;
      const pix = y * cam.width + x;
      const colour = [...cloud.colors, cloud.extras[0]];
      for (let ch = 0; ch < 4; ch++) {
        const expected = colour[ch] * alpha + (1 - alpha) * bg[ch];
        assert.ok(
          Math.abs(result.image[ch * pixels + pix] - expected) < 1e-5,
          `${convention} channel ${ch} at ${x},${y}`,
        );
      }
      checked++;
    }
  assert.ok(checked > 30);
}

test('closed form off axis under a general pose: centred at K x (+ half-pixel shift for 3dgs)', () => {
  checkOffAxis('3dgs');
});

test('closed form off axis under a general pose: centred at K x (opencv convention, no shift)', () => {
  checkOffAxis('opencv');
});

test('render outputs are views of the stages, and mismatched inputs are rejected with the field named', () => {
  const cam: PinholeCamera = {
    width: 20,
    height: 17,
    fx: 30,
    fy: 30,
    cx: 10,
    cy: 8.5,
    worldToCamera: identityPose(),
  };
  const rng = new Random(8);
  const n = 12;
  const cloud: GaussianCloud = {
    count: n,
    means: Float32Array.from({ length: 3 * n }, (_, k) =>
      k % 3 === 2 ? rng.uniform(0.8, 1.5) : rng.uniform(-0.3, 0.3),
    ),
    quaternions: Float32Array.from({ length: 4 * n }, () => rng.normal()),
    logScales: Float32Array.from({ length: 3 * n }, () => Math.log(rng.uniform(0.02, 0.06))),
    logitOpacities: Float32Array.from({ length: n }, () => rng.uniform(-1, 1)),
    colors: Float32Array.from({ length: 3 * n }, () => rng.next()),
    extraChannels: 0,
    extras: new Float32Array(0),
  };
  const result = renderGaussians(cloud, cam);
  assert.equal(result.image, result.tiles.features);
  assert.equal(result.radii, result.projection.radius);
  assert.equal(result.rasterizer.name, 'reference');
  assert.deepEqual(Array.from(result.background), [0, 0, 0]);
  const pixels = 20 * 17;
  for (let pix = 0; pix < pixels; pix++)
    assert.ok(Math.abs(result.alpha[pix] - (1 - result.tiles.finalT[pix])) < 1e-7);
  assert.throws(() => renderGaussians(cloud, cam, { background: [0, 0] }), /background must have 3 values/);
  assert.throws(
    () => renderGaussiansBackward(cloud, cam, result, new Float32Array(7)),
    /dImage must have 1020 values/,
  );
  assert.throws(
    () => renderGaussiansBackward(cloud, cam, result, new Float32Array(3 * pixels), new Float32Array(3)),
    /dAlpha must have 340 values/,
  );
  // A zero upstream gradient gives zero gradients, of the right shapes.
  const g = renderGaussiansBackward(cloud, cam, result, new Float32Array(3 * pixels));
  assert.equal(g.means.length, 3 * n);
  assert.equal(g.quaternions.length, 4 * n);
  assert.equal(g.screenMeans.length, 2 * n);
  assert.ok(g.means.every((v) => v === 0));
});
