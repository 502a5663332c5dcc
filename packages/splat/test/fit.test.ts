// Acceptance test of the optimiser as a whole: rasteriser + backward + loss + Adam must be able to fit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lookAt, type PinholeCamera, Random } from '@gsdyn/geometry';
import { createCloud } from '../src/cloud.js';
import { fitGaussians, referenceDensifySchedule } from '../src/fit.js';
import { psnr } from '../src/metrics.js';
import { renderGaussians } from '../src/render.js';
import type { GaussianCloud } from '../src/types.js';
import { createWasmTileRasterizer, wasmAvailable } from '../src/wasm/tile-rasterizer-wasm.js';

/** n random Gaussians in a 20 cm box at the origin: random colours, sizes of 5-15 mm, opacity 0.3-0.9. */
function randomCloud(n: number, rng: Random): GaussianCloud {
  const c = createCloud(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      c.means[3 * i + k] = rng.uniform(-0.1, 0.1);
      c.logScales[3 * i + k] = Math.log(rng.uniform(0.005, 0.015));
      c.colors[3 * i + k] = rng.next();
    }
    const q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    c.quaternions.set(q, 4 * i);
    const o = rng.uniform(0.3, 0.9);
    c.logitOpacities[i] = Math.log(o / (1 - o));
  }
  return c;
}

function camerasAround(count: number, width: number, height: number): PinholeCamera[] {
  return Array.from({ length: count }, (_, k) => {
    const a = (2 * Math.PI * k) / count;
    const eye: [number, number, number] = [0.45 * Math.cos(a), 0.45 * Math.sin(a), 0.25 + 0.1 * (k % 2)];
    return {
      width,
      height,
      fx: width,
      fy: width,
      cx: (width - 1) / 2,
      cy: (height - 1) / 2,
      worldToCamera: lookAt(eye, [0, 0, 0]),
    };
  });
}

test('from a random start, 1,000 Gaussians fit a target rendered from another random cloud to PSNR > 30 dB', (t) => {
  const rasterizer = wasmAvailable() ? createWasmTileRasterizer() : undefined;
  try {
    const cameras = camerasAround(6, 64, 48);
    const target = randomCloud(1000, new Random(1));
    const background = new Float32Array(3);
    const views = cameras.map((camera) => ({
      camera,
      target: renderGaussians(target, camera, { background, rasterizer }).image.slice(0, 3 * 64 * 48),
    }));
    const fit = fitGaussians(randomCloud(1000, new Random(2)), views, {
      iterations: 3000,
      seed: 3,
      sceneRadius: 0.5,
      densify: false,
      // From a random start the means must travel centimetres, not refine by millimetres as in tracking.
      learningRates: { means: 2e-3, logScales: 5e-3, quaternions: 5e-3, colors: 1e-2, logitOpacities: 5e-2 },
      rasterizer,
    });
    const scores = views.map((v) => {
      const image = renderGaussians(fit.cloud, v.camera, { background, rasterizer }).image.slice(
        0,
        3 * 64 * 48,
      );
      return psnr(image, v.target, 3, 64, 48);
    });
    t.diagnostic(
      `PSNR per view: ${scores.map((s) => s.toFixed(1)).join(', ')} dB; loss ${fit.losses[0].toFixed(3)} -> ${fit.losses[fit.losses.length - 1].toFixed(4)}`,
    );
    for (const s of scores) assert.ok(s > 30, `PSNR ${s.toFixed(2)} dB`);
  } finally {
    rasterizer?.dispose?.();
  }
});

test('the densification schedule is the reference one at 10,000 iterations, scaled, and off for short fits', () => {
  assert.deepEqual(referenceDensifySchedule(10_000), {
    from: 500,
    until: 5000,
    every: 100,
    opacityResetAt: 3000,
    pruneBigFrom: 3000,
    strictPruneAt: 5000,
    strictPruneOpacity: 0.25,
    gradThreshold: 2e-4,
    scaleFraction: 0.05,
  });
  assert.equal(referenceDensifySchedule(3000).opacityResetAt, 900);
  // A short fit keeps its Gaussians: a scaled schedule would reset opacities and strict-prune within a few steps.
  const camera = camerasAround(1, 32, 24)[0];
  const cloud = randomCloud(50, new Random(4));
  const target = renderGaussians(cloud, camera).image.slice(0, 3 * 32 * 24);
  const fit = fitGaussians(cloud, [{ camera, target }], { iterations: 5, seed: 1, sceneRadius: 0.5 });
  assert.equal(fit.cloud.count, 50);
  assert.deepEqual(fit.densifications, []);
});
