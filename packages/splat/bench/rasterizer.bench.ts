// Tile rasteriser benchmark: the TypeScript reference against the WebAssembly SIMD fast path on 1 and 2 threads,
// at 640x480 for 10k, 50k and 200k Gaussians, tile stage alone and the full pipeline (projection + binning + tile
// forward, tile backward + projection backward). Run with `npm run bench -- rasterizer`.
// The project's target: full-pipeline forward + backward of 50k Gaussians at 640x480 under 250 ms on 2 cores.
import { availableParallelism, cpus } from 'node:os';
import { type PinholeCamera, Random } from '@gsdyn/geometry';
import { createCloud } from '../src/cloud.js';
import { projectGaussians } from '../src/project.js';
import { renderGaussians, renderGaussiansBackward } from '../src/render.js';
import { referenceTileRasterizer } from '../src/tile-rasterizer-reference.js';
import { binGaussians } from '../src/tiles.js';
import type { GaussianCloud, TileBins, TileRasterizer } from '../src/types.js';
import { createWasmTileRasterizer, wasmAvailable } from '../src/wasm/tile-rasterizer-wasm.js';
import { buildWasm, randomArray } from '../test/wasm-scene.js';

const WIDTH = 640;
const HEIGHT = 480;
const COUNTS = [10_000, 50_000, 200_000];

const camera: PinholeCamera = {
  width: WIDTH,
  height: HEIGHT,
  fx: 525,
  fy: 525,
  cx: 319.5,
  cy: 239.5,
  worldToCamera: Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
};

/**
 * A cloud in front of the camera (at the origin, looking along +z): Gaussians spread over the whole view at
 * 1.5-3 m, sizes giving screen standard deviations of 1-6.5 px (radii of a few to ~20 px), opacities 0.1-0.9.
 */
function realisticCloud(count: number, seed: number): GaussianCloud {
  const rng = new Random(seed);
  const c = createCloud(count, 0);
  for (let i = 0; i < count; i++) {
    const z = rng.uniform(1.5, 3);
    c.means[3 * i] = ((rng.uniform(-10, WIDTH + 10) - camera.cx) * z) / camera.fx;
    c.means[3 * i + 1] = ((rng.uniform(-10, HEIGHT + 10) - camera.cy) * z) / camera.fy;
    c.means[3 * i + 2] = z;
    const sigmaPx = 1 * 6.5 ** rng.next();
    for (let a = 0; a < 3; a++)
      c.logScales[3 * i + a] = Math.log((sigmaPx * z * rng.uniform(0.5, 1)) / camera.fx);
    for (let q = 0; q < 4; q++) c.quaternions[4 * i + q] = rng.normal();
    const opacity = rng.uniform(0.1, 0.9);
    c.logitOpacities[i] = Math.log(opacity / (1 - opacity));
    for (let ch = 0; ch < 3; ch++) c.colors[3 * i + ch] = rng.next();
  }
  return c;
}

/** Median of `reps` timed runs, after one untimed warm-up run when `warm`. */
function timeIt(reps: number, fn: () => void, warm = true): number {
  if (warm) fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Gaussian-pixel pairs in the tile lists (what a rasteriser must at least consider without early stops). */
function pairs(bins: TileBins): number {
  let total = 0;
  for (let ty = 0; ty < bins.tilesY; ty++)
    for (let tx = 0; tx < bins.tilesX; tx++) {
      const t = ty * bins.tilesX + tx;
      const pixels = (Math.min(WIDTH, (tx + 1) * 16) - tx * 16) * (Math.min(HEIGHT, (ty + 1) * 16) - ty * 16);
      total += (bins.ranges[t + 1] - bins.ranges[t]) * pixels;
    }
  return total;
}

const fmt = (ms: number) => ms.toFixed(1).padStart(8);

console.log(
  `cores: ${availableParallelism()} (${cpus()[0]?.model ?? 'unknown cpu'}), ${WIDTH}x${HEIGHT}, RGB`,
);
buildWasm();
if (!wasmAvailable()) throw new Error('the wasm rasteriser is not available here');
// The reference is slow and needs no warm-up to be within a few per cent: one timed run each.
const contenders: { label: string; rasterizer: TileRasterizer; reps: number; warm: boolean }[] = [
  { label: 'reference', rasterizer: referenceTileRasterizer, reps: 1, warm: false },
  { label: 'wasm-simd x1', rasterizer: createWasmTileRasterizer({ threads: 1 }), reps: 5, warm: true },
  { label: 'wasm-simd x2', rasterizer: createWasmTileRasterizer({ threads: 2 }), reps: 5, warm: true },
];

console.log(
  'gaussians  rasteriser     | tile fwd ms  tile f+b ms  Gpairs/s fwd | full fwd ms  full f+b ms | pairs/pixel',
);
for (const count of COUNTS) {
  const cloud = realisticCloud(count, count);
  const projected = projectGaussians(cloud, camera);
  const bins = binGaussians(projected, WIDTH, HEIGHT);
  const background = new Float32Array(3);
  const dImage = randomArray(3 * WIDTH * HEIGHT, 7, 1e-3);
  const dAlpha = randomArray(WIDTH * HEIGHT, 8, 1e-3);
  const p = pairs(bins);
  for (const { label, rasterizer, reps, warm } of contenders) {
    const tileFwd = timeIt(reps, () => rasterizer.forward(projected, bins, WIDTH, HEIGHT, background), warm);
    const tileBoth = timeIt(
      reps,
      () => {
        const f = rasterizer.forward(projected, bins, WIDTH, HEIGHT, background);
        rasterizer.backward(projected, bins, f, background, dImage, dAlpha);
      },
      warm,
    );
    const settings = { rasterizer, background };
    const fullFwd = timeIt(reps, () => renderGaussians(cloud, camera, settings), warm);
    const fullBoth = timeIt(
      reps,
      () => {
        const r = renderGaussians(cloud, camera, settings);
        renderGaussiansBackward(cloud, camera, r, dImage, dAlpha);
      },
      warm,
    );
    console.log(
      `${String(count).padStart(9)}  ${label.padEnd(14)} | ${fmt(tileFwd)}    ${fmt(tileBoth)}    ${((p / tileFwd) * 1e-6).toFixed(2).padStart(8)} | ${fmt(fullFwd)}    ${fmt(fullBoth)} | ${(p / (WIDTH * HEIGHT)).toFixed(0)}`,
    );
  }
}

// Where the time of the 50k full pipeline goes, on the fast path with every thread.
{
  const cloud = realisticCloud(50_000, 50_000);
  const rasterizer = contenders[2].rasterizer;
  const background = new Float32Array(3);
  const dImage = randomArray(3 * WIDTH * HEIGHT, 7, 1e-3);
  const projectMs = timeIt(5, () => projectGaussians(cloud, camera));
  const projected = projectGaussians(cloud, camera);
  const binMs = timeIt(5, () => binGaussians(projected, WIDTH, HEIGHT));
  const bins = binGaussians(projected, WIDTH, HEIGHT);
  const tileFwdMs = timeIt(5, () => rasterizer.forward(projected, bins, WIDTH, HEIGHT, background));
  const fwd = rasterizer.forward(projected, bins, WIDTH, HEIGHT, background);
  const tileBwdMs = timeIt(5, () => rasterizer.backward(projected, bins, fwd, background, dImage, undefined));
  const r = renderGaussians(cloud, camera, { rasterizer, background });
  const fullBwdMs = timeIt(5, () => renderGaussiansBackward(cloud, camera, r, dImage));
  console.log(
    `\n50k breakdown (wasm-simd x2): project ${projectMs.toFixed(1)} ms, bin ${binMs.toFixed(1)} ms, tile forward ${tileFwdMs.toFixed(1)} ms, tile backward ${tileBwdMs.toFixed(1)} ms, projection backward ~${(fullBwdMs - tileBwdMs).toFixed(1)} ms`,
  );
}
for (const { rasterizer } of contenders) rasterizer.dispose?.();
