/**
 * Finite-difference checks of the tile-stage gradients (dMeanX/Y, dConicA/B/C, dOpacity, dFeatures) on random
 * projected Gaussians over a 40x32 image (3x2 tiles), with a background and an alpha term in the loss. The tile
 * lists are fixed (binned once): the tile stage is a function of the projected values given the bins.
 *
 * Differences are central, in float64 (the reference is generic over the precision). Jumps where a fragment's
 * alpha crosses 1/255, and (in the opaque scene) where T crosses 1e-4, are handled as in render-gradients: a
 * mismatching difference is redone with steps h and h/4 that must agree, shrinking h until they do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { float64 } from '../src/float-array.js';
import type { ProjectedGaussiansOf } from '../src/project.js';
import {
  rasterizeTilesBackward,
  rasterizeTilesForward,
  referenceTileRasterizer,
} from '../src/tile-rasterizer-reference.js';
import { binGaussians } from '../src/tiles.js';
import type { ProjectedGaussians, TileBins } from '../src/types.js';

const W = 40;
const H = 32;
const C = 4;
const STEP = 1e-6;
const REL = 1e-4;
const ABS = 1e-6;

/** Random Gaussians, sigma in [1, 4] px, random orientation; the first `opaque` ones reach alpha 0.99. */
function randomProjected(seed: number, count: number, opaque: number): ProjectedGaussiansOf<Float64Array> {
  const rng = new Random(seed);
  const p: ProjectedGaussiansOf<Float64Array> = {
    count,
    channels: C,
    meanX: new Float64Array(count),
    meanY: new Float64Array(count),
    conicA: new Float64Array(count),
    conicB: new Float64Array(count),
    conicC: new Float64Array(count),
    opacity: new Float64Array(count),
    depth: new Float64Array(count),
    radius: new Int32Array(count),
    features: new Float64Array(count * C),
  };
  for (let i = 0; i < count; i++) {
    p.meanX[i] = rng.uniform(-4, W + 4);
    p.meanY[i] = rng.uniform(-4, H + 4);
    // Opaque ones are wide, so that alpha clamps at 0.99 over several pixel centres around their mean.
    const s1 = i < opaque ? rng.uniform(8, 12) : rng.uniform(1, 4);
    const s2 = i < opaque ? rng.uniform(8, 12) : rng.uniform(1, 4);
    const th = rng.uniform(0, Math.PI);
    const c = Math.cos(th);
    const s = Math.sin(th);
    const a = c * c * s1 * s1 + s * s * s2 * s2;
    const b = c * s * (s1 * s1 - s2 * s2);
    const d = s * s * s1 * s1 + c * c * s2 * s2;
    const det = a * d - b * b;
    p.conicA[i] = d / det;
    p.conicB[i] = -b / det;
    p.conicC[i] = a / det;
    p.radius[i] = Math.ceil(3 * Math.max(s1, s2));
    p.opacity[i] = i < opaque ? 0.9999 : rng.uniform(0.05, 0.7);
    p.depth[i] = rng.uniform(0.5, 3);
    for (let ch = 0; ch < C; ch++) p.features[i * C + ch] = rng.uniform(-0.5, 1);
  }
  return p;
}

function checkTileGradients(seed: number, count: number, opaque: number): string[] {
  const p = randomProjected(seed, count, opaque);
  const bins: TileBins = binGaussians(p, W, H);
  const rng = new Random(seed + 1);
  const background = Float64Array.from({ length: C }, () => rng.next());
  const wImage = Float64Array.from({ length: C * W * H }, () => rng.uniform(-1, 1));
  const wAlpha = Float64Array.from({ length: W * H }, () => rng.uniform(-1, 1));
  const evaluate = () => {
    const f = rasterizeTilesForward(p, bins, W, H, background, float64);
    let v = 0;
    for (let k = 0; k < f.features.length; k++) v += wImage[k] * f.features[k];
    for (let k = 0; k < f.alpha.length; k++) v += wAlpha[k] * f.alpha[k];
    return v;
  };
  const forward = rasterizeTilesForward(p, bins, W, H, background, float64);
  let clampedPixels = 0;
  for (let i = 0; i < opaque; i++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const dx = p.meanX[i] - x;
        const dy = p.meanY[i] - y;
        const power = -0.5 * (p.conicA[i] * dx * dx + p.conicC[i] * dy * dy) - p.conicB[i] * dx * dy;
        if (p.opacity[i] * Math.exp(power) >= 0.99) clampedPixels++;
      }
  assert.ok(opaque === 0 || clampedPixels >= 10, `only ${clampedPixels} clamped fragments`);
  let minT = 1;
  for (const t of forward.finalT) minT = Math.min(minT, t);
  const g = rasterizeTilesBackward(p, bins, forward, background, wImage, wAlpha, float64);

  // The float32 reference rasteriser must agree with the float64 evaluation of the same function.
  const p32: ProjectedGaussians = {
    count,
    channels: C,
    meanX: Float32Array.from(p.meanX),
    meanY: Float32Array.from(p.meanY),
    conicA: Float32Array.from(p.conicA),
    conicB: Float32Array.from(p.conicB),
    conicC: Float32Array.from(p.conicC),
    opacity: Float32Array.from(p.opacity),
    depth: Float32Array.from(p.depth),
    radius: p.radius,
    features: Float32Array.from(p.features),
  };
  const bg32 = Float32Array.from(background);
  const f32 = referenceTileRasterizer.forward(p32, bins, W, H, bg32);
  for (let k = 0; k < f32.features.length; k++)
    assert.ok(Math.abs(f32.features[k] - forward.features[k]) < 1e-5);
  const g32 = referenceTileRasterizer.backward(
    p32,
    bins,
    f32,
    bg32,
    Float32Array.from(wImage),
    Float32Array.from(wAlpha),
  );

  const report: string[] = [];
  let retried = 0;
  const groups = [
    ['dMeanX', p.meanX],
    ['dMeanY', p.meanY],
    ['dConicA', p.conicA],
    ['dConicB', p.conicB],
    ['dConicC', p.conicC],
    ['dOpacity', p.opacity],
    ['dFeatures', p.features],
  ] as const;
  for (const [name, params] of groups) {
    const analytic = g[name];
    let largest = 0;
    for (const v of analytic) largest = Math.max(largest, Math.abs(v));
    assert.ok(largest > 1e-3, `${name}: the scene should exercise this gradient`);
    let worst = 0;
    let worst32 = 0;
    for (let k = 0; k < params.length; k++) {
      const central = (h: number) => {
        const original = params[k];
        params[k] = original + h;
        const plus = evaluate();
        params[k] = original - h;
        const minus = evaluate();
        params[k] = original;
        return (plus - minus) / (2 * h);
      };
      const tolerance = (fd: number, h: number) =>
        REL * Math.max(Math.abs(fd), 1e-2 * largest) + ABS + 5e-13 / h;
      let fd = central(STEP);
      let h = STEP;
      if (Math.abs(analytic[k] - fd) > tolerance(fd, h)) {
        retried++;
        for (let tries = 0; ; tries++) {
          assert.ok(tries < 6, `${name}[${k}]: no step size gives a consistent finite difference`);
          const fine = central(h / 4);
          const consistent = Math.abs(fine - fd) <= 1e-6 * Math.abs(fine) + 5e-13 / h;
          h /= 4;
          fd = fine;
          if (consistent) break;
        }
      }
      const scale = Math.max(Math.abs(fd), 1e-2 * largest);
      worst = Math.max(worst, Math.abs(analytic[k] - fd) / scale);
      assert.ok(
        Math.abs(analytic[k] - fd) <= tolerance(fd, h),
        `${name}[${k}]: analytic ${analytic[k]} vs finite difference ${fd}`,
      );
      const err32 = Math.abs(g32[name][k] - analytic[k]);
      worst32 = Math.max(worst32, err32 / scale);
      assert.ok(
        err32 <= 1e-3 * scale + 1e-5,
        `${name}[${k}]: float32 reference ${g32[name][k]} vs float64 ${analytic[k]}`,
      );
    }
    report.push(
      `${name}: max rel err ${worst.toExponential(1)} (float32 reference ${worst32.toExponential(1)})`,
    );
  }
  report.push(`fragments at the 0.99 clamp: ${clampedPixels}, min final T ${minT.toExponential(2)}`);
  report.push(`parameters retried with smaller steps (a jump within the first step): ${retried}`);
  assert.ok(retried <= 10, `too many discontinuities (${retried}): not a fair test`);
  return report;
}

test('tile-stage gradients match finite differences: 50 translucent Gaussians', (t) => {
  for (const line of checkTileGradients(5, 50, 0)) t.diagnostic(line);
});

test('tile-stage gradients match finite differences: with opaque Gaussians (alpha clamped at 0.99)', (t) => {
  for (const line of checkTileGradients(9, 30, 6)) t.diagnostic(line);
});
