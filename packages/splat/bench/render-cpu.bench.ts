// The CPU side of one dense-tracking iteration: 10k Gaussians into a 320x240 camera, projection, binning, the
// projection backward, and the full render + backward with the WebAssembly rasteriser. Each is timed against the
// code it replaced (test/bin-reference.ts: per-tile comparator sorts; test/projection-reference.ts: the loop
// versions of the EWA projection and its backward) in the same run, so the ratios are comparable.
// Run with `npm run bench -- render-cpu`.
import { availableParallelism, cpus } from 'node:os';
import { type PinholeCamera, Random } from '@gsdyn/geometry';
import { createCloud } from '../src/cloud.js';
import { float32 } from '../src/float-array.js';
import { projectGaussians } from '../src/project.js';
import { projectGaussiansBackward } from '../src/project-backward.js';
import { renderGaussians, renderGaussiansBackward } from '../src/render.js';
import { binGaussians } from '../src/tiles.js';
import type { GaussianCloud, TileBins, TileRasterizer } from '../src/types.js';
import { createWasmTileRasterizer, wasmAvailable } from '../src/wasm/tile-rasterizer-wasm.js';
import { binGaussiansReference } from '../test/bin-reference.js';
import {
  projectGaussiansAsReference,
  projectGaussiansBackwardAsReference,
} from '../test/projection-reference.js';
import { buildWasm, randomArray } from '../test/wasm-scene.js';

const WIDTH = 320;
const HEIGHT = 240;
const COUNT = 10_000;

const camera: PinholeCamera = {
  width: WIDTH,
  height: HEIGHT,
  fx: 262.5,
  fy: 262.5,
  cx: 159.5,
  cy: 119.5,
  worldToCamera: Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
};

/**
 * A tracked object in front of the camera: most Gaussians over the middle of the view at 0.6-1.2 m with screen
 * standard deviations of 0.5-4 px, a few spread beyond the edges (partly or wholly off screen, some culled) and
 * a few behind the near plane.
 */
function trackingCloud(count: number, seed: number): GaussianCloud {
  const rng = new Random(seed);
  const c = createCloud(count, 1);
  for (let i = 0; i < count; i++) {
    const z = rng.next() < 0.02 ? rng.uniform(-0.5, 0.2) : rng.uniform(0.6, 1.2);
    const spread = rng.next() < 0.1 ? 1.3 : 0.6;
    const u = camera.cx + rng.uniform(-spread, spread) * WIDTH * 0.5;
    const v = camera.cy + rng.uniform(-spread, spread) * HEIGHT * 0.5;
    c.means[3 * i] = ((u - camera.cx) * z) / camera.fx;
    c.means[3 * i + 1] = ((v - camera.cy) * z) / camera.fy;
    c.means[3 * i + 2] = z;
    const sigmaPx = 0.5 * 8 ** rng.next();
    for (let a = 0; a < 3; a++)
      c.logScales[3 * i + a] = Math.log((sigmaPx * Math.abs(z) * rng.uniform(0.5, 1)) / camera.fx);
    for (let q = 0; q < 4; q++) c.quaternions[4 * i + q] = rng.normal();
    const opacity = rng.uniform(0.1, 0.99);
    c.logitOpacities[i] = Math.log(opacity / (1 - opacity));
    for (let ch = 0; ch < 3; ch++) c.colors[3 * i + ch] = rng.next();
    c.extras[i] = rng.next() < 0.5 ? 1 : 0;
  }
  return c;
}

/**
 * Median ms of `reps` timed runs of each of `before` and `after`, alternated (after `warm` untimed rounds) so that
 * the load of a shared machine weighs on both alike.
 */
function timePair(reps: number, before: () => void, after: () => void, warm = 20): [number, number] {
  for (let r = 0; r < warm; r++) {
    before();
    after();
  }
  const times: [number[], number[]] = [[], []];
  for (let r = 0; r < reps; r++)
    for (const [k, fn] of [before, after].entries()) {
      const t0 = performance.now();
      fn();
      times[k].push(performance.now() - t0);
    }
  const median = (t: number[]) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)];
  return [median(times[0]), median(times[1])];
}

function sameBins(a: TileBins, b: TileBins): boolean {
  if (a.ranges.length !== b.ranges.length || a.order.length !== b.order.length) return false;
  for (let k = 0; k < a.ranges.length; k++) if (a.ranges[k] !== b.ranges[k]) return false;
  for (let k = 0; k < a.order.length; k++) if (a.order[k] !== b.order[k]) return false;
  return true;
}

const fmt = (ms: number) => `${ms.toFixed(3).padStart(8)} ms`;

console.log(
  `cores: ${availableParallelism()} (${cpus()[0]?.model ?? 'unknown cpu'}), ${COUNT} Gaussians, ${WIDTH}x${HEIGHT}, RGB + 1 extra`,
);
buildWasm();
if (!wasmAvailable()) throw new Error('the wasm rasteriser is not available here');

const cloud = trackingCloud(COUNT, 1);
const projected = projectGaussians(cloud, camera);
let visible = 0;
for (let i = 0; i < COUNT; i++) if (projected.radius[i] > 0) visible++;
const bins = binGaussians(projected, WIDTH, HEIGHT);
if (!sameBins(bins, binGaussiansReference(projected, WIDTH, HEIGHT)))
  throw new Error('binGaussians and binGaussiansReference disagree');
console.log(`visible ${visible}, tile-list entries ${bins.order.length}`);

const REPS = 100;
const line = (label: string, [before, after]: [number, number]) =>
  console.log(
    `${label.padEnd(28)} ${fmt(after)}  (reference ${fmt(before)}, new/reference ${(after / before).toFixed(3)})`,
  );
const project = timePair(
  REPS,
  () => projectGaussiansAsReference(cloud, camera, {}, float32),
  () => projectGaussians(cloud, camera),
);
line('projectGaussians', project);
const bin = timePair(
  REPS,
  () => binGaussiansReference(projected, WIDTH, HEIGHT),
  () => binGaussians(projected, WIDTH, HEIGHT),
);
line('binGaussians', bin);

const background = new Float32Array(4);
const dImage = randomArray(4 * WIDTH * HEIGHT, 7, 1e-3);
for (const threads of [1, 2]) {
  const rasterizer: TileRasterizer = createWasmTileRasterizer({ threads });
  const r = renderGaussians(cloud, camera, { rasterizer, background });
  const g = rasterizer.backward(r.projection, r.bins, r.tiles, background, dImage, undefined);
  console.log(`wasm x${threads}:`);
  const back = timePair(
    REPS,
    () => projectGaussiansBackwardAsReference(cloud, camera, r.projection, g, float32),
    () => projectGaussiansBackward(cloud, camera, r.projection, g),
  );
  line('  projectGaussiansBackward', back);
  const cpu: [number, number] = [project[0] + bin[0] + back[0], project[1] + bin[1] + back[1]];
  line('  project + bin + proj. bwd', cpu);
  // The whole iteration as renderGaussians + renderGaussiansBackward ran it before, from the reference pieces.
  const full = timePair(
    REPS,
    () => {
      const p = projectGaussiansAsReference(cloud, camera, {}, float32);
      const b = binGaussiansReference(p, WIDTH, HEIGHT);
      const f = rasterizer.forward(p, b, WIDTH, HEIGHT, background);
      const tg = rasterizer.backward(p, b, f, background, dImage, undefined);
      projectGaussiansBackwardAsReference(cloud, camera, p, tg, float32);
    },
    () => {
      const rendered = renderGaussians(cloud, camera, { rasterizer, background });
      renderGaussiansBackward(cloud, camera, rendered, dImage);
    },
  );
  line('  render + backward', full);
  rasterizer.dispose?.();
}
