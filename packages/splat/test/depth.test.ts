// The differentiable depth of a render (renderGaussians `depth`, renderGaussiansBackward's dDepthSum) and the depth
// loss (loss/depth-loss.ts), against oracles: a cloud that carries each Gaussian's view-space z as an ordinary extra
// channel, finite differences, and a fit that must pull Gaussians onto the captured depth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lookAt, type PinholeCamera, Random, worldToCameraPoint } from '@gsdyn/geometry';
import { createCloud } from '../src/cloud.js';
import { fitGaussians } from '../src/fit.js';
import { DEPTH_LOSS_MIN_ALPHA, depthLoss } from '../src/loss/depth-loss.js';
import { renderGaussians, renderGaussiansBackward } from '../src/render.js';
import type { GaussianCloud } from '../src/types.js';
import { boxCloud } from './box-cloud.js';

const W = 48;
const H = 40;
const camera: PinholeCamera = {
  width: W,
  height: H,
  fx: 300,
  fy: 300,
  cx: 23.5,
  cy: 19.5,
  worldToCamera: lookAt([0.35, -0.25, 0.3], [0, 0, 0]),
};

/** The same cloud with one more extra channel holding each Gaussian's view-space z in `cam`. */
function withZChannel(c: GaussianCloud, cam: PinholeCamera): GaussianCloud {
  const E = c.extraChannels;
  const out = { ...c, extraChannels: E + 1, extras: new Float32Array(c.count * (E + 1)) };
  for (let i = 0; i < c.count; i++) {
    for (let k = 0; k < E; k++) out.extras[i * (E + 1) + k] = c.extras[i * E + k];
    const p = worldToCameraPoint(cam, [c.means[3 * i], c.means[3 * i + 1], c.means[3 * i + 2]]);
    out.extras[i * (E + 1) + E] = p[2];
  }
  return out;
}

function randomArray(n: number, rng: Random): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  tol: number,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol * (scale + 1e-12),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]} (scale ${scale})`,
    );
}

test('the depth render is the blend of a z extra channel, and its gradient is that channel chained to the means', () => {
  const cloud = boxCloud(60, 1);
  const oracle = withZChannel(cloud, camera);
  const P = W * H;
  const withDepth = renderGaussians(cloud, camera, { depth: true, background: [0, 0, 0, 0] });
  const plain = renderGaussians(oracle, camera, { background: [0, 0, 0, 0, 0] });
  assert.ok(withDepth.depthSum);
  assert.equal(withDepth.image.length, 4 * P);
  assertClose(withDepth.image, plain.image.subarray(0, 4 * P), 'image', 1e-6);
  assertClose(withDepth.depthSum, plain.image.subarray(4 * P), 'depthSum', 1e-6);
  assertClose(withDepth.alpha, plain.alpha, 'alpha', 1e-6);
  let covered = 0;
  for (let i = 0; i < P; i++) if (withDepth.alpha[i] > 0.5) covered++;
  assert.ok(covered > P / 10, `the scene covers ${covered} of ${P} pixels`);

  const rng = new Random(2);
  const dImage = randomArray(4 * P, rng);
  const dAlpha = randomArray(P, rng);
  const dDepthSum = randomArray(P, rng);
  const g = renderGaussiansBackward(cloud, camera, withDepth, dImage, dAlpha, undefined, dDepthSum);
  const dOracle = new Float32Array(5 * P);
  dOracle.set(dImage);
  dOracle.set(dDepthSum, 4 * P);
  const o = renderGaussiansBackward(oracle, camera, plain, dOracle, dAlpha);
  const m = camera.worldToCamera;
  const means = Float32Array.from(o.means, (v, j) => {
    const i = Math.floor(j / 3);
    return v + o.extras[2 * i + 1] * m[8 + (j % 3)];
  });
  assertClose(g.means, means, 'means', 1e-5);
  assertClose(g.quaternions, o.quaternions, 'quaternions', 1e-5);
  assertClose(g.logScales, o.logScales, 'logScales', 1e-5);
  assertClose(g.logitOpacities, o.logitOpacities, 'logitOpacities', 1e-5);
  assertClose(g.colors, o.colors, 'colors', 1e-5);
  assertClose(
    g.extras,
    o.extras.filter((_, j) => j % 2 === 0),
    'extras',
    1e-5,
  );
  // Without a depth gradient the depth channel adds nothing.
  const none = renderGaussiansBackward(cloud, camera, withDepth, dImage, dAlpha);
  const noDepth = renderGaussiansBackward(
    cloud,
    camera,
    renderGaussians(cloud, camera, { background: [0, 0, 0, 0] }),
    dImage,
    dAlpha,
  );
  assertClose(none.means, noDepth.means, 'means without dDepthSum', 1e-5);
});

test('depth render backward refuses a depth gradient for a render without depth, or of the wrong size', () => {
  const cloud = boxCloud(5, 3);
  const plain = renderGaussians(cloud, camera, { background: [0, 0, 0, 0] });
  const dImage = new Float32Array(4 * W * H);
  assert.throws(
    () =>
      renderGaussiansBackward(cloud, camera, plain, dImage, undefined, undefined, new Float32Array(W * H)),
    /dDepthSum given, but the render has no depth/,
  );
  const deep = renderGaussians(cloud, camera, { depth: true, background: [0, 0, 0, 0] });
  assert.throws(
    () => renderGaussiansBackward(cloud, camera, deep, dImage, undefined, undefined, new Float32Array(3)),
    /dDepthSum must have 1920 values/,
  );
});

test('depth loss: known answers and finite differences of its gradients', () => {
  // A render whose mean depth is 2 mm behind the target everywhere it covers: loss 2 mm.
  const n = 6;
  const target = Float32Array.from([0.5, 0.6, 0, 0.7, 0.8, 0.9]);
  const alpha = Float32Array.from([0.9, 0.8, 0.9, 0.3, 0.6, 1]);
  const depthSum = Float32Array.from(target, (t, i) => alpha[i] * (t + 0.002));
  const exact = depthLoss(depthSum, alpha, target);
  // Pixel 2 has no reading, pixel 3 is covered below DEPTH_LOSS_MIN_ALPHA.
  assert.ok(alpha[3] < DEPTH_LOSS_MIN_ALPHA);
  assert.equal(exact.pixels, 4);
  assert.ok(Math.abs(exact.value - 0.002) < 1e-6, `loss ${exact.value}`);
  assert.equal(exact.dDepthSum[2], 0);
  assert.equal(exact.dAlpha[3], 0);
  assert.deepEqual(depthLoss(depthSum, alpha, new Float32Array(n)), {
    value: 0,
    pixels: 0,
    dDepthSum: new Float32Array(n),
    dAlpha: new Float32Array(n),
  });
  assert.throws(() => depthLoss(depthSum, alpha.subarray(1), target), /one value per pixel/);

  // Mixed signs: central differences in float64 arithmetic on copies.
  const rng = new Random(4);
  const t2 = Float32Array.from({ length: 40 }, () => (rng.next() < 0.2 ? 0 : rng.uniform(0.4, 0.9)));
  const a2 = Float32Array.from({ length: 40 }, () => rng.uniform(0.55, 1));
  // Residuals of 2-10 mm of either sign, so that no difference straddles the kink of |r|.
  const d2 = Float32Array.from(
    t2,
    (t, i) => a2[i] * (t + (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.002, 0.01)),
  );
  const g = depthLoss(d2, a2, t2);
  const h = 1e-4;
  for (const [name, values, grad] of [
    ['depthSum', d2, g.dDepthSum],
    ['alpha', a2, g.dAlpha],
  ] as const)
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      values[i] = v + h;
      const up = depthLoss(d2, a2, t2).value;
      values[i] = v - h;
      const down = depthLoss(d2, a2, t2).value;
      values[i] = v;
      const fd = (up - down) / (2 * h);
      assert.ok(
        Math.abs(fd - grad[i]) < 2e-3 * Math.abs(grad[i]) + 1e-4,
        `${name}[${i}]: ${grad[i]} vs fd ${fd}`,
      );
    }
});

test('a fit with the depth loss pulls Gaussians that start behind the captured surface onto it', () => {
  // A 6 cm square of Gaussians seen by two cameras; the fit starts it 8 mm further from both (along z, the
  // cameras look down at it). It has one colour, so the images tell its depth only by the parallax of its edges.
  const cams: PinholeCamera[] = [
    [0.3, 0.1, 0.45],
    [-0.25, -0.2, 0.5],
  ].map((eye) => ({ ...camera, worldToCamera: lookAt(eye as [number, number, number], [0, 0, 0]) }));
  const side = 12;
  const truth = createCloud(side * side, 0);
  for (let i = 0; i < side * side; i++) {
    truth.means.set([0.005 * (i % side) - 0.0275, 0.005 * Math.floor(i / side) - 0.0275, 0], 3 * i);
    truth.logScales.fill(Math.log(0.004), 3 * i, 3 * i + 3);
    truth.colors.set([0.6, 0.4, 0.2], 3 * i);
    truth.quaternions.set([1, 0, 0, 0], 4 * i);
    truth.logitOpacities[i] = 2;
  }
  const views = cams.map((cam) => {
    const r = renderGaussians(truth, cam, { depth: true });
    const depthTarget = Float32Array.from(r.alpha, (a, i) => (a > 0.9 ? (r.depthSum?.[i] ?? 0) / a : 0));
    return { camera: cam, target: r.image.slice(), depthTarget };
  });
  const start = createCloud(truth.count, 0);
  start.means.set(truth.means);
  for (let i = 0; i < truth.count; i++) start.means[3 * i + 2] = -0.008;
  start.logScales.set(truth.logScales);
  start.colors.set(truth.colors);
  start.quaternions.set(truth.quaternions);
  start.logitOpacities.set(truth.logitOpacities);
  const meanZ = (c: GaussianCloud) => {
    let s = 0;
    for (let i = 0; i < c.count; i++) s += c.means[3 * i + 2];
    return s / c.count;
  };
  const options = { iterations: 300, seed: 5, sceneRadius: 0.5, densify: false as const };
  const withDepth = fitGaussians(start, views, { ...options, depthWeight: 1 });
  const without = fitGaussians(start, views, options);
  assert.ok(Math.abs(meanZ(withDepth.cloud)) < 0.002, `with depth: mean z ${meanZ(withDepth.cloud)} m`);
  assert.ok(
    Math.abs(meanZ(withDepth.cloud)) < 0.5 * Math.abs(meanZ(without.cloud)),
    `with depth ${meanZ(withDepth.cloud)} m, without ${meanZ(without.cloud)} m`,
  );
});
