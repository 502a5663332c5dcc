import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { referenceTileRasterizer } from '../src/tile-rasterizer-reference.js';
import { binGaussians } from '../src/tiles.js';
import type { ProjectedGaussians } from '../src/types.js';

interface Layer {
  x?: number;
  y?: number;
  /** Conic diagonal; 0 makes the Gaussian flat (alpha = opacity everywhere). */
  conic?: number;
  opacity: number;
  depth: number;
  color: [number, number, number];
}

/** Projected Gaussians covering the whole image (radius large), in the given index order. */
function layers(list: Layer[]): ProjectedGaussians {
  const n = list.length;
  const p: ProjectedGaussians = {
    count: n,
    channels: 3,
    meanX: Float32Array.from(list, (l) => l.x ?? 8),
    meanY: Float32Array.from(list, (l) => l.y ?? 8),
    conicA: Float32Array.from(list, (l) => l.conic ?? 0),
    conicB: new Float32Array(n),
    conicC: Float32Array.from(list, (l) => l.conic ?? 0),
    opacity: Float32Array.from(list, (l) => l.opacity),
    depth: Float32Array.from(list, (l) => l.depth),
    radius: new Int32Array(n).fill(1000),
    features: Float32Array.from(list.flatMap((l) => l.color)),
  };
  return p;
}

const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol;

test('two flat layers: colour, alpha, expected and median depth in closed form, sorted by depth not index', () => {
  const W = 20;
  const H = 18;
  // Index 0 is the far layer: binning must put the near one first.
  const p = layers([
    { opacity: 0.5, depth: 2, color: [0, 1, 0] },
    { opacity: 0.4, depth: 1, color: [1, 0, 0] },
  ]);
  const bins = binGaussians(p, W, H);
  const bg = Float32Array.of(0, 0, 1);
  const f = referenceTileRasterizer.forward(p, bins, W, H, bg);
  const pixels = W * H;
  for (let pix = 0; pix < pixels; pix++) {
    assert.ok(close(f.features[pix], 0.4));
    assert.ok(close(f.features[pixels + pix], 0.6 * 0.5));
    assert.ok(close(f.features[2 * pixels + pix], 0.3));
    assert.ok(close(f.alpha[pix], 0.7));
    assert.ok(close(f.finalT[pix], 0.3));
    assert.equal(f.contributors[pix], 2);
    assert.ok(close(f.expectedDepth[pix], (0.4 * 1 + 0.3 * 2) / 0.7));
    // T: 1 -> 0.6 (above 0.5) -> 0.3: the median is the far layer.
    assert.ok(close(f.medianDepth[pix], 2));
  }
  // A denser front layer takes T to 0.4 at once: the median is the front layer.
  const q = layers([
    { opacity: 0.5, depth: 2, color: [0, 1, 0] },
    { opacity: 0.6, depth: 1, color: [1, 0, 0] },
  ]);
  const g = referenceTileRasterizer.forward(q, binGaussians(q, W, H), W, H, bg);
  assert.ok(close(g.medianDepth[7], 1));
  assert.ok(close(g.expectedDepth[7], (0.6 * 1 + 0.2 * 2) / 0.8));
  // Nothing in view: transmittance 1, depth outputs 0, background only.
  const none = layers([{ opacity: 0.5, depth: 1, color: [1, 1, 1] }]);
  none.radius[0] = 0;
  const e = referenceTileRasterizer.forward(none, binGaussians(none, W, H), W, H, bg);
  assert.equal(e.alpha[0], 0);
  assert.equal(e.medianDepth[0], 0);
  assert.equal(e.expectedDepth[0], 0);
  assert.equal(e.features[2 * pixels], 1);
  assert.equal(e.contributors[0], 0);
});

test('an opaque stack stops at T < 1e-4 and the backward ignores everything behind', () => {
  const W = 24;
  const H = 20;
  const n = 8;
  // Very wide footprints (G > 0.999 at every pixel). Opacity 0.9999 clamps alpha at 0.99; layer 1 (0.98) does
  // not clamp. T: 1 -> 0.01 -> ~2e-4, then layer 2 would take it to ~2e-6 < 1e-4: stop there.
  const opacity = (i: number) => (i === 1 ? 0.98 : 0.9999);
  const p = layers(
    Array.from({ length: n }, (_, i) => ({
      x: 11,
      y: 9,
      conic: 1e-6,
      opacity: opacity(i),
      depth: 1 + i,
      color: [i / n, 1 - i / n, 0.5] as [number, number, number],
    })),
  );
  const bins = binGaussians(p, W, H);
  const bg = Float32Array.of(0.2, 0.3, 0.4);
  const f = referenceTileRasterizer.forward(p, bins, W, H, bg);
  const pixels = W * H;
  const T1 = 1 - 0.99;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const pix = y * W + x;
      const alpha1 = 0.98 * Math.exp(-0.5 * 1e-6 * ((x - 11) ** 2 + (y - 9) ** 2));
      const T2 = T1 * (1 - alpha1);
      assert.equal(f.contributors[pix], 2);
      assert.ok(close(f.finalT[pix], T2, 1e-9));
      for (let ch = 0; ch < 3; ch++) {
        const c = p.features[ch] * 0.99 + p.features[3 + ch] * alpha1 * T1 + T2 * bg[ch];
        assert.ok(close(f.features[ch * pixels + pix], c, 1e-6));
      }
    }
  const rng = new Random(3);
  const dImage = Float32Array.from({ length: 3 * pixels }, () => rng.uniform(-1, 1));
  const dAlpha = Float32Array.from({ length: pixels }, () => rng.uniform(-1, 1));
  const g = referenceTileRasterizer.backward(p, bins, f, bg, dImage, dAlpha);
  for (let i = 2; i < n; i++) {
    assert.equal(g.dOpacity[i], 0);
    assert.equal(g.dMeanX[i], 0);
    assert.equal(g.dConicA[i], 0);
    for (let ch = 0; ch < 3; ch++) assert.equal(g.dFeatures[i * 3 + ch], 0);
  }
  // Clamped alpha has zero derivative: no gradient to the opacity, mean or conic of layer 0 ...
  assert.equal(g.dOpacity[0], 0);
  assert.equal(g.dMeanX[0], 0);
  assert.equal(g.dMeanY[0], 0);
  assert.equal(g.dConicB[0], 0);
  // ... while layer 1 is not clamped, and both colours get alpha T per pixel.
  assert.ok(g.dOpacity[1] !== 0 && g.dMeanX[1] !== 0);
  for (let ch = 0; ch < 3; ch++) {
    let sum = 0;
    for (let pix = 0; pix < pixels; pix++) sum += dImage[ch * pixels + pix];
    assert.ok(close(g.dFeatures[ch], 0.99 * sum, 1e-3));
  }
});

test('fragments with alpha below 1/255 are skipped, just above are blended', () => {
  const W = 16;
  const H = 16;
  const bg = Float32Array.of(0, 0, 0);
  const faint = layers([
    { opacity: 0.5, depth: 2, color: [1, 0, 0] },
    { opacity: 0.0038, depth: 1, color: [0, 1, 0] },
  ]);
  const bins = binGaussians(faint, W, H);
  const f = referenceTileRasterizer.forward(faint, bins, W, H, bg);
  assert.equal(f.features[256 + 5], 0, 'the faint front layer adds nothing');
  assert.ok(close(f.features[5], 0.5), 'and takes no light from the layer behind');
  const g = referenceTileRasterizer.backward(
    faint,
    bins,
    f,
    bg,
    new Float32Array(3 * 256).fill(1),
    undefined,
  );
  assert.equal(g.dOpacity[1], 0);
  assert.equal(g.dFeatures[3 + 1], 0);
  assert.ok(g.dOpacity[0] !== 0);

  const visible = layers([
    { opacity: 0.5, depth: 2, color: [1, 0, 0] },
    { opacity: 0.004, depth: 1, color: [0, 1, 0] },
  ]);
  const h = referenceTileRasterizer.forward(visible, binGaussians(visible, W, H), W, H, bg);
  assert.ok(close(h.features[256 + 5], 0.004));
  assert.ok(close(h.features[5], 0.996 * 0.5));
});

test('the contributor count skips trailing fragments that were not blended', () => {
  const W = 16;
  const H = 16;
  // The far one is tiny and centred at (2, 2): most pixels walk past it without blending.
  const p = layers([
    { opacity: 0.5, depth: 1, color: [1, 0, 0] },
    { x: 2, y: 2, conic: 4, opacity: 0.9, depth: 2, color: [0, 1, 0] },
  ]);
  const f = referenceTileRasterizer.forward(p, binGaussians(p, W, H), W, H, Float32Array.of(0, 0, 0));
  assert.equal(f.contributors[2 * W + 2], 2);
  assert.equal(f.contributors[10 * W + 10], 1);
});

test('mismatched inputs are rejected with the field named', () => {
  const p = layers([{ opacity: 0.5, depth: 1, color: [1, 0, 0] }]);
  const bins = binGaussians(p, 16, 16);
  assert.throws(
    () => referenceTileRasterizer.forward(p, bins, 16, 16, Float32Array.of(0, 0)),
    /background must have 3/,
  );
  assert.throws(
    () => referenceTileRasterizer.forward(p, bins, 40, 16, Float32Array.of(0, 0, 0)),
    /bins cover 1x1 tiles/,
  );
  const f = referenceTileRasterizer.forward(p, bins, 16, 16, Float32Array.of(0, 0, 0));
  assert.throws(
    () =>
      referenceTileRasterizer.backward(p, bins, f, Float32Array.of(0, 0, 0), new Float32Array(5), undefined),
    /dFeatures must have 768/,
  );
});
