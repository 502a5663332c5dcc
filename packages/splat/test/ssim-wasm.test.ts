// The WebAssembly SIMD SSIM kernel (float32) against the float64 TypeScript reference.
//
// Tolerances. Float32 has unit roundoff u = 2^-24 ~ 6e-8. On textured images every quantity is O(1) and nothing
// cancels badly, so the map and the gradient carry errors of a few tens of u (measured: map <= 2.3e-6 ~ 40 u, value
// <= 3e-8, gradient <= 4.3e-7 of its largest element); the bounds below are 100-200 u (map 1e-5, gradient 4e-6 of
// its scale) and 17 u on the value (a mean of the map, 1e-6): tight enough that any wrong tap, border or adjoint
// term fails by orders of magnitude. Flat, bright windows are float32 SSIM's worst case (PyTorch's too):
// sigma^2 = E[x^2] - mu^2 cancels, and the few u of error its inputs carry (sums of 121 taps, a square) are only
// floored by C2 = 9e-4 in the denominator: |dS| <~ 10 u E[x^2] / C2 ~ 5.4e-4 for values near 0.9 (measured 4.7e-4
// on the map, 3e-4 of the gradient's scale). Those images get 1e-3 on the map and the gradient, and 1e-4 on the
// value, a mean of map errors of both signs (measured 4.5e-6).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { imageLoss } from '../src/loss/image-loss.js';
import {
  gaussianWindow1d,
  type SsimResult,
  ssimCore,
  ssimCoreReference,
  ssimCoreWasm,
  ssimWasmAvailable,
  ssimWasmUnavailableReason,
} from '../src/loss/ssim.js';
import { ssimKernels } from '../src/wasm/ssim-module.js';
import { buildWasm } from './wasm-scene.js';

before(() => {
  buildWasm();
  assert.ok(ssimWasmAvailable(), `the SSIM kernel must be available: ${ssimWasmUnavailableReason()}`);
});

type Kind = 'random' | 'object' | 'flat';

/**
 * Planar images of a kind: independent uniform noise, a noisy disc on black, or bright and nearly constant (at two
 * different levels: with x ~ y the gradient, which vanishes at x = y, would be a near-cancellation of O(1) terms,
 * an error amplification the identical-images test covers exactly instead).
 */
function images(rng: Random, kind: Kind, channels: number, width: number, height: number) {
  const n = channels * width * height;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p = i % (width * height);
    const px = p % width;
    const py = Math.floor(p / width);
    if (kind === 'random') {
      x[i] = rng.next();
      y[i] = rng.next();
    } else if (kind === 'flat') {
      x[i] = 0.9 + 1e-3 * rng.next();
      y[i] = 0.7 + 1e-3 * rng.next();
    } else if ((px - width / 2) ** 2 + (py - height / 2) ** 2 < (width / 4) ** 2) {
      x[i] = rng.next();
      y[i] = 0.3 + 0.4 * rng.next();
    }
  }
  return { x, y };
}

/** Weights in [0, 1], a fifth of them exactly 0. */
function randomWeights(rng: Random, plane: number): Float32Array {
  return Float32Array.from({ length: plane }, () => (rng.next() < 0.2 ? 0 : rng.next()));
}

function compare(
  name: string,
  want: SsimResult,
  got: SsimResult,
  mapTol: number,
  gradTol: number,
  valueTol: number,
) {
  assert.ok(Math.abs(got.value - want.value) <= valueTol, `${name}: value ${got.value} vs ${want.value}`);
  const wg = want.grad as Float32Array;
  const gg = got.grad as Float32Array;
  let scale = 0;
  for (const g of wg) scale = Math.max(scale, Math.abs(g));
  // scale is 0 only for all-black images (the object kind on the tiniest sizes): then the gradient must be 0 too.
  for (let i = 0; i < wg.length; i++)
    assert.ok(Math.abs(gg[i] - wg[i]) <= gradTol * scale, `${name}: grad[${i}] ${gg[i]} vs ${wg[i]}`);
  const wm = want.map as Float64Array;
  const gm = got.map as Float64Array;
  for (let i = 0; i < wm.length; i++)
    assert.ok(Math.abs(gm[i] - wm[i]) <= mapTol, `${name}: map[${i}] ${gm[i]} vs ${wm[i]}`);
}

test('the kernel’s window taps are the TypeScript window rounded to float32', () => {
  const kernels = ssimKernels().exports;
  const g = gaussianWindow1d();
  for (let k = 0; k < 11; k++) assert.equal(kernels.windowTap(k), Math.fround(g[k]), `tap ${k}`);
});

test('value, gradient and map match the float64 reference within float32 rounding (sizes, borders, weights)', () => {
  const rng = new Random(21);
  // Odd widths (not multiples of 4), images smaller than the 11x11 window, a single pixel, and a wider one.
  const sizes = [
    [3, 23, 17],
    [1, 1, 1],
    [2, 3, 2],
    [1, 5, 13],
    [2, 9, 4],
    [3, 37, 29],
    [1, 64, 48],
    [2, 101, 7],
  ] as const;
  for (const kind of ['random', 'object', 'flat'] as const)
    for (const [C, W, H] of sizes)
      for (const weighted of [false, true]) {
        const { x, y } = images(rng, kind, C, W, H);
        const weights = weighted ? randomWeights(rng, W * H) : undefined;
        const options = { weights, gradient: true, map: true };
        const want = ssimCoreReference(x, y, C, W, H, options);
        const got = ssimCoreWasm(x, y, C, W, H, options);
        const name = `${kind} ${C}x${W}x${H}${weighted ? ' weighted' : ''}`;
        if (kind === 'flat') compare(name, want, got, 1e-3, 1e-3, 1e-4);
        else compare(name, want, got, 1e-5, 4e-6, 1e-6);
      }
});

test('identical images: SSIM exactly 1 with a zero gradient, black images included', () => {
  const rng = new Random(22);
  for (const kind of ['random', 'object'] as const) {
    const { x } = images(rng, kind, 3, 31, 19);
    const r = ssimCoreWasm(x, x, 3, 31, 19, { gradient: true, map: true });
    assert.equal(r.value, 1);
    for (const s of r.map as Float64Array) assert.equal(s, 1);
    for (const g of r.grad as Float32Array) assert.equal(Math.abs(g), 0);
  }
  const black = new Float32Array(2 * 7 * 6);
  assert.equal(ssimCoreWasm(black, black, 2, 7, 6, { gradient: false, map: false }).value, 1);
});

test('scratch reuse: a call after larger and differently shaped ones gives the same result as the first', () => {
  const rng = new Random(23);
  const small = images(rng, 'random', 2, 13, 9);
  const weights = randomWeights(rng, 13 * 9);
  const options = { weights, gradient: true, map: true };
  const first = ssimCoreWasm(small.x, small.y, 2, 13, 9, options);
  for (const [C, W, H] of [
    [3, 120, 90],
    [1, 9, 13],
    [2, 14, 9],
  ] as const) {
    const big = images(rng, 'random', C, W, H);
    ssimCoreWasm(big.x, big.y, C, W, H, { weights: randomWeights(rng, W * H), gradient: true, map: true });
  }
  const again = ssimCoreWasm(small.x, small.y, 2, 13, 9, options);
  assert.equal(again.value, first.value);
  assert.deepEqual(again.grad, first.grad);
  assert.deepEqual(again.map, first.map);
});

test('ssimCore takes the kernel for float32 images and the float64 reference for Float64Array ones', () => {
  const rng = new Random(24);
  const { x, y } = images(rng, 'random', 3, 21, 15);
  const options = { gradient: true, map: false };
  const fast = ssimCore(x, y, 3, 21, 15, options);
  assert.deepEqual(fast, ssimCoreWasm(x, y, 3, 21, 15, options));
  const x64 = Float64Array.from(x);
  const y64 = Float64Array.from(y);
  assert.deepEqual(ssimCore(x64, y64, 3, 21, 15, options), ssimCoreReference(x64, y64, 3, 21, 15, options));
  assert.notDeepEqual(fast.grad, ssimCoreReference(x, y, 3, 21, 15, options).grad);
});

test('imageLoss with the kernel matches imageLoss with the reference SSIM (plain, masked, cropped)', () => {
  const rng = new Random(25);
  const W = 47;
  const H = 35;
  const mask = new Uint8Array(W * H).map(() => (rng.next() < 0.7 ? 1 : 0));
  for (const kind of ['random', 'object'] as const)
    for (const options of [{}, { mask }, { ssimWeight: 0.5 }]) {
      const { x, y } = images(rng, kind, 3, W, H);
      const want = imageLoss(x, y, 3, W, H, { ...options, ssimReference: true });
      const got = imageLoss(x, y, 3, W, H, options);
      const name = `${kind} ${JSON.stringify(Object.keys(options))}`;
      assert.equal(got.l1, want.l1, `${name}: L1 does not involve SSIM`);
      assert.ok(Math.abs(got.ssim - want.ssim) <= 1e-6, `${name}: ssim ${got.ssim} vs ${want.ssim}`);
      assert.ok(Math.abs(got.value - want.value) <= 1e-6, `${name}: value ${got.value} vs ${want.value}`);
      let scale = 0;
      for (const g of want.grad) scale = Math.max(scale, Math.abs(g));
      for (let i = 0; i < want.grad.length; i++)
        assert.ok(
          Math.abs(got.grad[i] - want.grad[i]) <= 4e-6 * scale,
          `${name}: grad[${i}] ${got.grad[i]} vs ${want.grad[i]}`,
        );
    }
});

test('the kernel rejects weights of the wrong size', () => {
  const x = new Float32Array(12);
  assert.throws(
    () => ssimCoreWasm(x, x, 3, 2, 2, { weights: new Float32Array(3), gradient: false, map: false }),
    /weights has 3 values, expected width\*height = 4/,
  );
});
