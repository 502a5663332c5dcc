/**
 * Finite-difference checks of every cloud-parameter gradient of the full pipeline (project -> bin -> blend), on
 * small random scenes (40 Gaussians, 40x32 pixels = 3x2 tiles, 5 channels) seen from three camera poses.
 *
 * The differences are central differences in float64 on the parameters: the reference is generic over the float
 * precision, so the very same code runs in float64 and rounding does not drown the differences.
 *
 * The rendered function has small jumps: a fragment appears or vanishes where its alpha crosses 1/255 (a jump of
 * ~0.004 x colour x T in a pixel) or where the 3-sigma tile rectangle moves, and blending stops at T < 1e-4. The
 * scenes keep opacities <= 0.75 (alpha never clamps at 0.99) and so few layers that no pixel stops early
 * (asserted: min final T > 0.01, so no fragment can push T below 1e-4). The 1/255 and tile-edge jumps remain, rare
 * but real (at step 2e-6 about 1 parameter in 300 straddles one, always of a Gaussian with a pixel within ~1e-5 px
 * of its 1/255 contour). So each parameter is first differenced at STEP; if that does not match, the difference is
 * redone jump-aware (steps h and h/4 must agree to 1e-6 relative plus float64 rounding, else h shrinks 4x) and the
 * analytic gradient must match that. Tolerance: |analytic - fd| <= REL max(|fd|, 1e-2 max|analytic of the group|)
 * + ABS + rounding (5e-13 / h).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invertRigid, lookAt, type PinholeCamera, Random, type Vec3 } from '@gsdyn/geometry';
import type { GaussianCloudLike } from '../src/ewa.js';
import { float64 } from '../src/float-array.js';
import { projectGaussiansAs } from '../src/project.js';
import { projectGaussiansBackwardAs } from '../src/project-backward.js';
import { renderGaussians, renderGaussiansBackward } from '../src/render.js';
import { rasterizeTilesBackward, rasterizeTilesForward } from '../src/tile-rasterizer-reference.js';
import { binGaussians } from '../src/tiles.js';
import type { GaussianCloud, PixelConvention } from '../src/types.js';

const W = 40;
const H = 32;
const EXTRAS = 2;
const STEP = 2e-6;
/** |analytic - fd| <= REL * max(|fd|, 1e-2 * largest |fd| of the group) + ABS. */
const REL = 1e-4;
const ABS = 1e-6;

interface Cloud64 extends GaussianCloudLike {
  means: Float64Array;
  quaternions: Float64Array;
  logScales: Float64Array;
  logitOpacities: Float64Array;
  colors: Float64Array;
  extras: Float64Array;
}

type Group = 'means' | 'quaternions' | 'logScales' | 'logitOpacities' | 'colors' | 'extras';
const GROUPS: Group[] = ['means', 'quaternions', 'logScales', 'logitOpacities', 'colors', 'extras'];

function camera(eye: Vec3, target: Vec3): PinholeCamera {
  return { width: W, height: H, fx: 44, fy: 41, cx: 19.3, cy: 16.8, worldToCamera: lookAt(eye, target) };
}

/**
 * A scene built in the camera's view space (so that it has the features to test whatever the pose): overlapping
 * Gaussians, some partly off screen, some close to the near plane, some beyond the Jacobian clamp, some culled.
 */
function randomScene(seed: number, cam: PinholeCamera): Cloud64 {
  const rng = new Random(seed);
  const kinds: string[] = [
    ...Array(30).fill('main'),
    ...Array(4).fill('near'),
    ...Array(3).fill('clamped'),
    'behind',
    'too-near',
    'off-screen',
  ];
  const n = kinds.length;
  const cloud: Cloud64 = {
    count: n,
    means: new Float64Array(3 * n),
    quaternions: new Float64Array(4 * n),
    logScales: new Float64Array(3 * n),
    logitOpacities: new Float64Array(n),
    colors: new Float64Array(3 * n),
    extraChannels: EXTRAS,
    extras: new Float64Array(EXTRAS * n),
  };
  const c2w = invertRigid(cam.worldToCamera);
  const tanX = W / (2 * cam.fx);
  const tanY = H / (2 * cam.fy);
  for (let i = 0; i < n; i++) {
    let z = rng.uniform(0.7, 2);
    let rx = rng.uniform(-1.05, 1.05) * tanX;
    const ry = rng.uniform(-1.05, 1.05) * tanY;
    let sigmaPx = rng.uniform(1.2, 3.5);
    let opacity = rng.uniform(0.1, 0.75);
    if (kinds[i] === 'near') {
      z = rng.uniform(0.26, 0.4);
      sigmaPx = rng.uniform(2, 4);
      opacity = rng.uniform(0.1, 0.4);
    } else if (kinds[i] === 'clamped') {
      rx = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(1.36, 1.5) * tanX;
      sigmaPx = rng.uniform(4, 6);
    } else if (kinds[i] === 'behind') z = -0.6;
    else if (kinds[i] === 'too-near') z = 0.15;
    else if (kinds[i] === 'off-screen') rx = 4;
    const v = [rx * z, ry * z, z];
    for (let r = 0; r < 3; r++)
      cloud.means[3 * i + r] =
        c2w[4 * r] * v[0] + c2w[4 * r + 1] * v[1] + c2w[4 * r + 2] * v[2] + c2w[4 * r + 3];
    const qScale = rng.uniform(0.5, 2);
    for (let k = 0; k < 4; k++) cloud.quaternions[4 * i + k] = qScale * rng.normal();
    const logS = Math.log((sigmaPx * Math.abs(z)) / cam.fx);
    for (let k = 0; k < 3; k++) cloud.logScales[3 * i + k] = logS + rng.uniform(-0.4, 0.4);
    cloud.logitOpacities[i] = Math.log(opacity / (1 - opacity));
    for (let k = 0; k < 3; k++) cloud.colors[3 * i + k] = rng.next();
    for (let k = 0; k < EXTRAS; k++) cloud.extras[EXTRAS * i + k] = rng.uniform(-1, 1);
  }
  return cloud;
}

/**
 * A central difference where the function is smooth: steps h and h/4 must agree (to O(h^2) plus float64 rounding,
 * which grows like 1/h), else a jump lies within the step and h shrinks.
 */
function smoothDifference(central: (h: number) => number, step: number): { value: number; rounding: number } {
  let h = step;
  let coarse = central(h);
  for (let tries = 0; tries < 6; tries++) {
    const fine = central(h / 4);
    const rounding = 5e-13 / h;
    if (Math.abs(fine - coarse) <= 1e-6 * Math.abs(fine) + rounding) return { value: fine, rounding };
    h /= 4;
    coarse = fine;
  }
  throw new Error('no step size gives a consistent finite difference');
}

function toFloat32(c: Cloud64): GaussianCloud {
  return {
    count: c.count,
    means: Float32Array.from(c.means),
    quaternions: Float32Array.from(c.quaternions),
    logScales: Float32Array.from(c.logScales),
    logitOpacities: Float32Array.from(c.logitOpacities),
    colors: Float32Array.from(c.colors),
    extraChannels: c.extraChannels,
    extras: Float32Array.from(c.extras),
  };
}

interface LossWeights {
  image: Float64Array;
  alpha: Float64Array;
  background: Float64Array;
}

function lossWeights(seed: number): LossWeights {
  const rng = new Random(seed);
  const C = 3 + EXTRAS;
  return {
    image: Float64Array.from({ length: C * W * H }, () => rng.uniform(-1, 1)),
    alpha: Float64Array.from({ length: W * H }, () => rng.uniform(-1, 1)),
    background: Float64Array.from({ length: C }, () => rng.next()),
  };
}

/** The loss evaluated entirely in float64. */
function loss(cloud: Cloud64, cam: PinholeCamera, weights: LossWeights, convention: PixelConvention) {
  const projection = projectGaussiansAs(cloud, cam, { pixelConvention: convention }, float64);
  const bins = binGaussians(projection, W, H);
  const forward = rasterizeTilesForward(projection, bins, W, H, weights.background, float64);
  let value = 0;
  for (let k = 0; k < forward.features.length; k++) value += weights.image[k] * forward.features[k];
  for (let k = 0; k < forward.alpha.length; k++) value += weights.alpha[k] * forward.alpha[k];
  return { value, projection, bins, forward };
}

function checkScene(seed: number, cam: PinholeCamera, convention: PixelConvention) {
  const cloud = randomScene(seed, cam);
  const weights = lossWeights(seed + 1);
  const base = loss(cloud, cam, weights, convention);
  const radius = base.projection.radius;
  let minT = 1;
  for (const t of base.forward.finalT) minT = Math.min(minT, t);
  assert.ok(minT > 0.01, `scene ${seed}: min final T ${minT} would allow early stops (discontinuous)`);

  const tileGrads = rasterizeTilesBackward(
    base.projection,
    base.bins,
    base.forward,
    weights.background,
    weights.image,
    weights.alpha,
    float64,
  );
  const analytic = projectGaussiansBackwardAs(cloud, cam, base.projection, tileGrads, float64);

  // The public float32 path on the float32-rounded cloud must agree with the float64 analytic gradient.
  const cloud32 = toFloat32(cloud);
  const render = renderGaussians(cloud32, cam, {
    background: weights.background,
    pixelConvention: convention,
  });
  const grads32 = renderGaussiansBackward(
    cloud32,
    cam,
    render,
    Float32Array.from(weights.image),
    Float32Array.from(weights.alpha),
  );

  const report: string[] = [];
  let jumps = 0;
  for (const group of GROUPS) {
    const params = cloud[group];
    const per = params.length / cloud.count;
    let largest = 0;
    for (const v of analytic[group]) largest = Math.max(largest, Math.abs(v));
    assert.ok(largest > 1e-3, `${group}: the scene should exercise this gradient`);
    let worst = 0;
    let worst32 = 0;
    for (let k = 0; k < params.length; k++) {
      const central = (h: number) => {
        const original = params[k];
        params[k] = original + h;
        const plus = loss(cloud, cam, weights, convention).value;
        params[k] = original - h;
        const minus = loss(cloud, cam, weights, convention).value;
        params[k] = original;
        return (plus - minus) / (2 * h);
      };
      const g = analytic[group][k];
      const tolerance = (fd: number, rounding: number) =>
        REL * Math.max(Math.abs(fd), 1e-2 * largest) + ABS + rounding;
      // One difference at STEP usually settles it; only a mismatch pays for the jump-aware retry.
      let fd = central(STEP);
      let rounding = 5e-13 / STEP;
      if (Math.abs(g - fd) > tolerance(fd, rounding)) {
        ({ value: fd, rounding } = smoothDifference(central, STEP));
        jumps++;
      }
      const scale = Math.max(Math.abs(fd), 1e-2 * largest);
      worst = Math.max(worst, Math.abs(g - fd) / scale);
      assert.ok(
        Math.abs(g - fd) <= tolerance(fd, rounding),
        `${group}[${k}] (Gaussian ${Math.floor(k / per)}): analytic ${g} vs finite difference ${fd}`,
      );
      const err32 = Math.abs(grads32[group][k] - g);
      worst32 = Math.max(worst32, err32 / scale);
      assert.ok(
        err32 <= 2e-3 * scale + 1e-5,
        `${group}[${k}]: float32 path ${grads32[group][k]} vs float64 ${g}`,
      );
    }
    report.push(`${group}: max rel err ${worst.toExponential(1)} (float32 path ${worst32.toExponential(1)})`);
  }
  report.push(
    `parameters whose first difference straddled a jump and was retried with smaller steps: ${jumps}`,
  );
  assert.ok(jumps <= 10, `too many discontinuities (${jumps} parameters): the scene is not a fair test`);
  // Culled Gaussians get exactly zero gradients and zero screen-mean gradients.
  let culled = 0;
  for (let i = 0; i < cloud.count; i++) {
    if (radius[i] > 0) continue;
    culled++;
    for (let k = 0; k < 3; k++) assert.equal(analytic.means[3 * i + k], 0);
    assert.equal(analytic.screenMeans[2 * i], 0);
  }
  assert.ok(culled >= 3, 'behind, too near and off-screen Gaussians are culled');
  let clamped = 0;
  for (let i = 0; i < cloud.count; i++) if (radius[i] > 0 && base.projection.clampFlags[i] !== 0) clamped++;
  assert.ok(clamped >= 1, 'some visible Gaussians are beyond the Jacobian clamp');
  // screenMeans are the 2D-mean gradients in 3DGS's normalised units.
  for (let i = 0; i < cloud.count; i++) {
    assert.ok(Math.abs(analytic.screenMeans[2 * i] - (tileGrads.dMeanX[i] * W) / 2) < 1e-12);
    assert.ok(Math.abs(analytic.screenMeans[2 * i + 1] - (tileGrads.dMeanY[i] * H) / 2) < 1e-12);
  }
  return report;
}

test('cloud gradients match finite differences: pose A, 3dgs pixels', (t) => {
  for (const line of checkScene(11, camera([1.2, -0.9, 0.8], [0, 0, 0.1]), '3dgs')) t.diagnostic(line);
});

test('cloud gradients match finite differences: pose B, opencv pixels', (t) => {
  for (const line of checkScene(23, camera([-0.5, 1.1, 1.4], [0.1, 0, 0]), 'opencv')) t.diagnostic(line);
});

test('cloud gradients match finite differences: pose C, looking down', (t) => {
  for (const line of checkScene(37, camera([0.1, 0.05, 1.5], [0, 0, 0]), '3dgs')) t.diagnostic(line);
});
