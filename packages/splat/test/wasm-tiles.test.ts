import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { referenceTileRasterizer } from '../src/tile-rasterizer-reference.js';
import { binGaussians } from '../src/tiles.js';
import type { TileBackwardResult, TileForwardResult, TileRasterizer } from '../src/types.js';
import { createWasmTileRasterizer, wasmAvailable } from '../src/wasm/tile-rasterizer-wasm.js';
import { buildWasm, randomArray, randomScene, type Scene } from './wasm-scene.js';

const IMAGE_TOLERANCE = 1e-4;
const GRADIENT_TOLERANCE = 1e-3;

/** Largest |a - b|, and where. */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; at: number } {
  assert.equal(a.length, b.length);
  let diff = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) {
      diff = d;
      at = i;
    }
  }
  return { diff, at };
}

function assertImagesClose(got: TileForwardResult, ref: TileForwardResult, what: string): void {
  for (const field of ['features', 'alpha', 'finalT'] as const) {
    const { diff, at } = maxAbsDiff(got[field], ref[field]);
    assert.ok(diff <= IMAGE_TOLERANCE, `${what}: ${field} differs by ${diff} at ${at}`);
  }
  // Depths are only compared where both walked the same lists (a borderline alpha may flip one Gaussian).
  let sameWalk = 0;
  for (let i = 0; i < ref.contributors.length; i++) {
    if (got.contributors[i] !== ref.contributors[i]) continue;
    sameWalk++;
    const e = Math.abs(got.expectedDepth[i] - ref.expectedDepth[i]);
    assert.ok(
      e <= 1e-4 * Math.max(1, ref.expectedDepth[i]),
      `${what}: expectedDepth differs by ${e} at ${i}`,
    );
  }
  assert.ok(
    sameWalk >= 0.999 * ref.contributors.length,
    `${what}: contributors differ at ${ref.contributors.length - sameWalk} pixels`,
  );
  let medianSame = 0;
  for (let i = 0; i < ref.medianDepth.length; i++)
    if (got.medianDepth[i] === ref.medianDepth[i]) medianSame++;
  assert.ok(
    medianSame >= 0.999 * ref.medianDepth.length,
    `${what}: medianDepth differs at ${ref.medianDepth.length - medianSame} pixels`,
  );
}

const GRADIENT_FIELDS = [
  'dMeanX',
  'dMeanY',
  'dConicA',
  'dConicB',
  'dConicC',
  'dOpacity',
  'dFeatures',
] as const;

/** |g - g_ref| <= 1e-3 max(|g_ref|, s), s = 1e-3 of the field's largest |g_ref| (sums that cancel to ~0). */
function assertGradientsClose(got: TileBackwardResult, ref: TileBackwardResult, what: string): void {
  for (const field of GRADIENT_FIELDS) {
    const g = got[field];
    const r = ref[field];
    assert.equal(g.length, r.length, `${what}: ${field} length`);
    let scale = 0;
    for (let i = 0; i < r.length; i++) scale = Math.max(scale, Math.abs(r[i]));
    assert.ok(scale > 0, `${what}: ${field} is all zero in the reference (the test would prove nothing)`);
    const floor = 1e-3 * scale;
    let worst = 0;
    let worstAt = -1;
    for (let i = 0; i < r.length; i++) {
      const ratio = Math.abs(g[i] - r[i]) / Math.max(Math.abs(r[i]), floor);
      if (!(ratio <= worst)) {
        worst = ratio;
        worstAt = i;
      }
    }
    assert.ok(
      worst <= GRADIENT_TOLERANCE,
      `${what}: ${field}[${worstAt}] = ${g[worstAt]}, reference ${r[worstAt]} (relative ${worst})`,
    );
  }
}

function backwardInputs(scene: Scene, seed: number, withAlpha: boolean) {
  const pixels = scene.width * scene.height;
  const dFeatures = randomArray(scene.projected.channels * pixels, seed);
  const dAlpha = withAlpha ? randomArray(pixels, seed + 1) : undefined;
  return { dFeatures, dAlpha };
}

describe('wasm tile rasteriser', () => {
  const rasterizers = new Map<number, TileRasterizer>();
  const wasm = (threads: number): TileRasterizer => {
    let r = rasterizers.get(threads);
    if (!r) {
      r = createWasmTileRasterizer({ threads });
      rasterizers.set(threads, r);
    }
    return r;
  };

  before(() => buildWasm());
  after(() => {
    for (const r of rasterizers.values()) r.dispose?.();
  });

  test('is available once built, named wasm-simd', () => {
    assert.equal(wasmAvailable(), true);
    assert.equal(wasm(1).name, 'wasm-simd');
  });

  const cases = [
    { width: 75, height: 53, count: 800, channels: 3, seed: 1 },
    { width: 64, height: 48, count: 2000, channels: 4, seed: 2 },
    { width: 33, height: 18, count: 100, channels: 6, seed: 3 },
    { width: 130, height: 97, count: 5000, channels: 3, seed: 4 },
    { width: 47, height: 31, count: 1500, channels: 6, seed: 5 },
  ];

  for (const c of cases) {
    for (const threads of [1, 2]) {
      test(`forward and backward match the reference: ${c.count} Gaussians ${c.width}x${c.height}, ${c.channels} channels, ${threads} thread(s)`, () => {
        const scene = randomScene(c);
        const { projected, bins, width, height, background } = scene;
        const ref = referenceTileRasterizer.forward(projected, bins, width, height, background);
        const got = wasm(threads).forward(projected, bins, width, height, background);
        assertImagesClose(got, ref, 'forward');
        for (const withAlpha of [false, true]) {
          const { dFeatures, dAlpha } = backwardInputs(scene, c.seed * 10, withAlpha);
          const refGrad = referenceTileRasterizer.backward(
            projected,
            bins,
            ref,
            background,
            dFeatures,
            dAlpha,
          );
          const gotGrad = wasm(threads).backward(projected, bins, got, background, dFeatures, dAlpha);
          assertGradientsClose(gotGrad, refGrad, `backward${withAlpha ? ' with dAlpha' : ''}`);
        }
      });
    }
  }

  test('a pixel covered by one Gaussian has the closed-form colour, alpha and gradients', () => {
    const scene = randomScene({ width: 16, height: 16, count: 1, channels: 3, seed: 9 });
    const p = scene.projected;
    p.meanX[0] = 5.25;
    p.meanY[0] = 7.5;
    p.conicA[0] = 0.1;
    p.conicB[0] = 0.02;
    p.conicC[0] = 0.05;
    p.opacity[0] = 0.7;
    p.radius[0] = 20;
    p.features.set([0.2, 0.5, 0.9]);
    const bins = binGaussians(p, 16, 16);
    const r = wasm(1);
    const fwd = r.forward(p, bins, 16, 16, scene.background);
    const x = 3;
    const y = 9;
    const dx = 5.25 - x;
    const dy = 7.5 - y;
    const power = -0.5 * (0.1 * dx * dx + 0.05 * dy * dy) - 0.02 * dx * dy;
    const alpha = Math.fround(0.7) * Math.exp(power);
    const pix = y * 16 + x;
    assert.ok(Math.abs(fwd.alpha[pix] - alpha) < 1e-6);
    assert.ok(Math.abs(fwd.features[256 + pix] - (0.5 * alpha + (1 - alpha) * scene.background[1])) < 1e-6);
    // dL/d(green at that pixel) = 1 only: d/dopacity = G (f - bg), d/dfeature = alpha.
    const dF = new Float32Array(3 * 256);
    dF[256 + pix] = 1;
    const g = r.backward(p, bins, fwd, scene.background, dF, undefined);
    const G = alpha / Math.fround(0.7);
    assert.ok(Math.abs(g.dFeatures[1] - alpha) < 1e-6);
    assert.ok(Math.abs(g.dOpacity[0] - G * (0.5 - scene.background[1])) < 1e-6);
    const dLdPower = alpha * (0.5 - scene.background[1]);
    assert.ok(Math.abs(g.dMeanX[0] - dLdPower * -(0.1 * dx + 0.02 * dy)) < 1e-6);
    assert.ok(Math.abs(g.dConicB[0] - dLdPower * -(dx * dy)) < 1e-6);
  });

  test('results are bit-identical on 1 and 2 threads', () => {
    const scene = randomScene({ width: 96, height: 70, count: 4000, channels: 4, seed: 11 });
    const { projected, bins, width, height, background } = scene;
    const one = wasm(1).forward(projected, bins, width, height, background);
    const two = wasm(2).forward(projected, bins, width, height, background);
    for (const field of [
      'features',
      'alpha',
      'finalT',
      'expectedDepth',
      'medianDepth',
      'contributors',
    ] as const)
      assert.deepEqual(two[field], one[field], field);
    const { dFeatures, dAlpha } = backwardInputs(scene, 12, true);
    const g1 = wasm(1).backward(projected, bins, one, background, dFeatures, dAlpha);
    const g2 = wasm(2).backward(projected, bins, one, background, dFeatures, dAlpha);
    for (const field of GRADIENT_FIELDS) assert.deepEqual(g2[field], g1[field], field);
    // And repeatable: a second call gives the same bytes.
    const again = wasm(2).backward(projected, bins, one, background, dFeatures, dAlpha);
    for (const field of GRADIENT_FIELDS) assert.deepEqual(again[field], g1[field], field);
  });

  test('work given to the backward pass runs once, while the workers rasterise, and changes no result', () => {
    const scene = randomScene({ width: 96, height: 70, count: 4000, channels: 4, seed: 13 });
    const { projected, bins, width, height, background } = scene;
    const { dFeatures, dAlpha } = backwardInputs(scene, 14, true);
    for (const threads of [1, 2]) {
      const r = wasm(threads);
      const fwd = r.forward(projected, bins, width, height, background);
      const plain = r.backward(projected, bins, fwd, background, dFeatures, dAlpha);
      let calls = 0;
      const overlapped = r.backward(projected, bins, fwd, background, dFeatures, dAlpha, () => {
        calls++;
        // Long enough for a worker to take tiles meanwhile (the kernels must not depend on thread 0's share).
        const until = performance.now() + 5;
        while (performance.now() < until);
      });
      assert.equal(calls, 1);
      for (const field of GRADIENT_FIELDS)
        assert.deepEqual(overlapped[field], plain[field], `${field}, ${threads} thread(s)`);
      // A throw is passed on after the workers are done, and the rasteriser stays usable.
      assert.throws(
        () =>
          r.backward(projected, bins, fwd, background, dFeatures, dAlpha, () => {
            throw new Error('caller failed');
          }),
        /caller failed/,
      );
      const after = r.backward(projected, bins, fwd, background, dFeatures, dAlpha);
      for (const field of GRADIENT_FIELDS)
        assert.deepEqual(after[field], plain[field], `${field} after a throw`);
    }
    let referenceCalls = 0;
    const fwd = referenceTileRasterizer.forward(projected, bins, width, height, background);
    referenceTileRasterizer.backward(
      projected,
      bins,
      fwd,
      background,
      dFeatures,
      dAlpha,
      () => referenceCalls++,
    );
    assert.equal(referenceCalls, 1);
  });

  test('grows its memory for a larger call after a small one, and handles empty scenes', () => {
    const r = wasm(2);
    const small = randomScene({ width: 20, height: 20, count: 10, channels: 3, seed: 21 });
    r.forward(small.projected, small.bins, 20, 20, small.background);
    const big = randomScene({
      width: 300,
      height: 200,
      count: 30000,
      channels: 3,
      seed: 22,
      sigma: [0.7, 3],
    });
    const fwd = r.forward(big.projected, big.bins, 300, 200, big.background);
    const ref = referenceTileRasterizer.forward(big.projected, big.bins, 300, 200, big.background);
    assertImagesClose(fwd, ref, 'large forward');
    const empty = randomScene({ width: 17, height: 5, count: 0, channels: 3, seed: 23 });
    const e = r.forward(empty.projected, empty.bins, 17, 5, empty.background);
    for (let i = 0; i < 17 * 5; i++) {
      assert.equal(e.alpha[i], 0);
      assert.equal(e.features[i], empty.background[0]);
    }
    const g = r.backward(
      empty.projected,
      empty.bins,
      e,
      empty.background,
      new Float32Array(3 * 85),
      undefined,
    );
    assert.equal(g.dFeatures.length, 0);
  });

  test('rejects inputs that do not match, naming the field', () => {
    const scene = randomScene({ width: 40, height: 30, count: 10, channels: 3, seed: 31 });
    assert.throws(
      () => wasm(1).forward(scene.projected, scene.bins, 60, 30, scene.background),
      /bins cover 3x2 tiles, a 60x30 image needs 4x2/,
    );
    assert.throws(
      () => wasm(1).forward(scene.projected, scene.bins, 40, 30, new Float32Array(2)),
      /background must have 3 values/,
    );
    assert.throws(() => createWasmTileRasterizer({ threads: 0 }), /threads must be a positive integer/);
  });

  test('a disposed rasteriser refuses work', () => {
    const r = createWasmTileRasterizer({ threads: 2 });
    const scene = randomScene({ width: 20, height: 20, count: 20, channels: 3, seed: 41 });
    r.forward(scene.projected, scene.bins, 20, 20, scene.background);
    r.dispose?.();
    assert.throws(() => r.forward(scene.projected, scene.bins, 20, 20, scene.background), /disposed/);
  });
});
