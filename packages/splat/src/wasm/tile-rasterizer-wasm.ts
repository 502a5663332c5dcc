import { availableParallelism } from 'node:os';
import type {
  ProjectedGaussians,
  TileBackwardResult,
  TileBins,
  TileForwardResult,
  TileRasterizer,
} from '../types.js';
import { TILE_SIZE } from '../types.js';
import { SharedArena } from './arena.js';
import { COMMAND, CONTROL_BASE, CTL, GRADIENT_HEAD } from './layout.js';
import { createKernelMemory, instantiateKernels, type TileKernels, tileKernelModule } from './module.js';
import { KernelPool } from './pool.js';

export { wasmAvailable, wasmUnavailableReason } from './module.js';

export interface WasmRasterizerOptions {
  /** Threads taking tiles, the calling thread included; default os.availableParallelism(), 1 = no workers. */
  threads?: number;
}

/**
 * The WebAssembly SIMD tile rasteriser: the same contract and blending rule as the TypeScript reference, four
 * pixels per vector, tiles shared dynamically between the calling thread and `threads - 1` worker threads over
 * one shared WebAssembly.Memory. Inputs are copied into that memory on every call (it grows as needed, up to
 * 4 GiB) and outputs copied out, so results never alias the shared memory.
 *
 * Determinism: every pixel is computed by one thread, and the backward writes one partial gradient per tile-list
 * entry, summed per Gaussian in CSR order afterwards, so all outputs are bit-identical for any thread count.
 */
export function createWasmTileRasterizer(options: WasmRasterizerOptions = {}): TileRasterizer {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`splat wasm: options.threads must be a positive integer, got ${threads}`);
  const module = tileKernelModule();
  const memory = createKernelMemory();
  const kernels = instantiateKernels(module, memory);
  const pool = new KernelPool(module, memory, kernels, threads - 1);
  const arena = new SharedArena(memory);
  return {
    name: 'wasm-simd',
    forward: (projected, bins, width, height, background) =>
      forward(kernels, pool, arena, projected, bins, width, height, background),
    backward: (projected, bins, fwd, background, dFeatures, dAlpha, meanwhile) =>
      backward(kernels, pool, arena, projected, bins, fwd, background, dFeatures, dAlpha, meanwhile),
    dispose: () => pool.dispose(),
  };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(`splat wasm rasteriser: ${message}`);
}

function checkInputs(projected: ProjectedGaussians, bins: TileBins, width: number, height: number): void {
  const { count, channels } = projected;
  check(
    Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0,
    `bad image size ${width}x${height}`,
  );
  check(bins.tileSize === TILE_SIZE, `bins.tileSize must be ${TILE_SIZE}, got ${bins.tileSize}`);
  const tilesX = Math.ceil(width / TILE_SIZE);
  const tilesY = Math.ceil(height / TILE_SIZE);
  check(
    bins.tilesX === tilesX && bins.tilesY === tilesY,
    `bins cover ${bins.tilesX}x${bins.tilesY} tiles, a ${width}x${height} image needs ${tilesX}x${tilesY}`,
  );
  check(bins.ranges.length === tilesX * tilesY + 1, `bins.ranges must have ${tilesX * tilesY + 1} entries`);
  check(bins.order.length >= bins.ranges[tilesX * tilesY], 'bins.order is shorter than bins.ranges says');
  check(Number.isInteger(channels) && channels >= 3, `projected.channels must be >= 3, got ${channels}`);
  for (const field of ['meanX', 'meanY', 'conicA', 'conicB', 'conicC', 'opacity', 'depth'] as const)
    check(projected[field].length >= count, `projected.${field} must have ${count} values`);
  check(
    projected.features.length >= count * channels,
    `projected.features must have ${count * channels} values`,
  );
}

/** Tile indices, most Gaussians first: long tiles start early so that no thread is left with one at the end. */
function tileOrder(ranges: Uint32Array, tileCount: number): Int32Array {
  const tiles = Array.from({ length: tileCount }, (_, t) => t);
  tiles.sort((a, b) => ranges[b + 1] - ranges[b] - (ranges[a + 1] - ranges[a]) || a - b);
  return Int32Array.from(tiles);
}

function longestList(ranges: Uint32Array, tileCount: number): number {
  let longest = 0;
  for (let t = 0; t < tileCount; t++) longest = Math.max(longest, ranges[t + 1] - ranges[t]);
  return longest;
}

/** Places and copies what both passes read: the Gaussians, the bins and the background. */
function placeCommon(
  kernels: TileKernels,
  pool: KernelPool,
  arena: SharedArena,
  projected: ProjectedGaussians,
  bins: TileBins,
  background: Float32Array,
) {
  const { count, channels } = projected;
  const tileCount = bins.tilesX * bins.tilesY;
  const entries = bins.ranges[tileCount];
  check(background.length >= channels, `background must have ${channels} values, got ${background.length}`);
  arena.reset();
  const at = {
    meanX: arena.alloc(count * 4),
    meanY: arena.alloc(count * 4),
    conicA: arena.alloc(count * 4),
    conicB: arena.alloc(count * 4),
    conicC: arena.alloc(count * 4),
    opacity: arena.alloc(count * 4),
    depth: arena.alloc(count * 4),
    features: arena.alloc(count * channels * 4),
    ranges: arena.alloc((tileCount + 1) * 4),
    order: arena.alloc(entries * 4),
    tileOrder: arena.alloc(tileCount * 4),
    background: arena.alloc(channels * 4),
    scratch: 0,
    scratchStride: kernels.scratchBytes(longestList(bins.ranges, tileCount), channels),
  };
  at.scratch = arena.alloc(at.scratchStride * pool.threadCount);
  const copyIn = () => {
    arena.f32(at.meanX, count).set(projected.meanX.subarray(0, count));
    arena.f32(at.meanY, count).set(projected.meanY.subarray(0, count));
    arena.f32(at.conicA, count).set(projected.conicA.subarray(0, count));
    arena.f32(at.conicB, count).set(projected.conicB.subarray(0, count));
    arena.f32(at.conicC, count).set(projected.conicC.subarray(0, count));
    arena.f32(at.opacity, count).set(projected.opacity.subarray(0, count));
    arena.f32(at.depth, count).set(projected.depth.subarray(0, count));
    arena.f32(at.features, count * channels).set(projected.features.subarray(0, count * channels));
    arena.u32(at.ranges, tileCount + 1).set(bins.ranges);
    arena.u32(at.order, entries).set(bins.order.subarray(0, entries));
    arena.i32(at.tileOrder, tileCount).set(tileOrder(bins.ranges, tileCount));
    arena.f32(at.background, channels).set(background.subarray(0, channels));
    const ctl = arena.u32(CONTROL_BASE, 32);
    ctl.fill(0);
    const set = (offset: number, value: number) => {
      ctl[offset >> 2] = value;
    };
    set(CTL.tileCount, tileCount);
    set(CTL.channels, channels);
    set(CTL.tilesX, bins.tilesX);
    set(CTL.gaussianCount, count);
    set(CTL.entryCount, entries);
    set(CTL.threadCount, pool.threadCount);
    for (const key of [
      'meanX',
      'meanY',
      'conicA',
      'conicB',
      'conicC',
      'opacity',
      'depth',
      'features',
      'ranges',
      'order',
      'tileOrder',
      'background',
      'scratch',
      'scratchStride',
    ] as const)
      set(CTL[key], at[key]);
    return set;
  };
  return { tileCount, entries, copyIn };
}

function forward(
  kernels: TileKernels,
  pool: KernelPool,
  arena: SharedArena,
  projected: ProjectedGaussians,
  bins: TileBins,
  width: number,
  height: number,
  background: Float32Array,
): TileForwardResult {
  checkInputs(projected, bins, width, height);
  const { channels } = projected;
  const pixels = width * height;
  const common = placeCommon(kernels, pool, arena, projected, bins, background);
  const image = arena.alloc(channels * pixels * 4);
  const alpha = arena.alloc(pixels * 4);
  const expectedDepth = arena.alloc(pixels * 4);
  const medianDepth = arena.alloc(pixels * 4);
  const finalT = arena.alloc(pixels * 4);
  const contributors = arena.alloc(pixels * 4);
  arena.commit();
  const set = common.copyIn();
  set(CTL.width, width);
  set(CTL.height, height);
  set(CTL.image, image);
  set(CTL.alpha, alpha);
  set(CTL.expectedDepth, expectedDepth);
  set(CTL.medianDepth, medianDepth);
  set(CTL.finalT, finalT);
  set(CTL.contributors, contributors);
  pool.run(COMMAND.forward);
  return {
    width,
    height,
    channels,
    features: arena.f32(image, channels * pixels).slice(),
    alpha: arena.f32(alpha, pixels).slice(),
    expectedDepth: arena.f32(expectedDepth, pixels).slice(),
    medianDepth: arena.f32(medianDepth, pixels).slice(),
    finalT: arena.f32(finalT, pixels).slice(),
    contributors: arena.u32(contributors, pixels).slice(),
  };
}

function backward(
  kernels: TileKernels,
  pool: KernelPool,
  arena: SharedArena,
  projected: ProjectedGaussians,
  bins: TileBins,
  fwd: TileForwardResult,
  background: Float32Array,
  dFeatures: Float32Array,
  dAlpha: Float32Array | undefined,
  meanwhile: (() => void) | undefined,
): TileBackwardResult {
  const { width, height } = fwd;
  checkInputs(projected, bins, width, height);
  const { count, channels } = projected;
  const pixels = width * height;
  check(fwd.channels === channels, `forward has ${fwd.channels} channels, projected ${channels}`);
  check(
    dFeatures.length === channels * pixels,
    `dFeatures must have ${channels * pixels} values, got ${dFeatures.length}`,
  );
  check(dAlpha === undefined || dAlpha.length === pixels, `dAlpha must have ${pixels} values`);
  check(
    fwd.finalT.length === pixels && fwd.contributors.length === pixels,
    `forward.finalT/contributors must have ${pixels} values`,
  );
  const common = placeCommon(kernels, pool, arena, projected, bins, background);
  const slots = GRADIENT_HEAD + channels;
  const dImage = arena.alloc(channels * pixels * 4);
  const dAlphaAt = dAlpha ? arena.alloc(pixels * 4) : 0;
  const finalT = arena.alloc(pixels * 4);
  const contributors = arena.alloc(pixels * 4);
  const entryGradients = arena.alloc(common.entries * slots * 4);
  const gradients = arena.alloc(count * slots * 4);
  arena.commit();
  const set = common.copyIn();
  arena.f32(dImage, channels * pixels).set(dFeatures);
  if (dAlpha) arena.f32(dAlphaAt, pixels).set(dAlpha);
  arena.f32(finalT, pixels).set(fwd.finalT);
  arena.u32(contributors, pixels).set(fwd.contributors);
  set(CTL.width, width);
  set(CTL.height, height);
  set(CTL.image, dImage);
  set(CTL.alpha, dAlphaAt);
  set(CTL.finalT, finalT);
  set(CTL.contributors, contributors);
  set(CTL.entryGradients, entryGradients);
  set(CTL.gradients, gradients);
  // The longer of the two commands: the workers take tiles while this thread does the caller's work, then joins them.
  pool.run(COMMAND.backward, meanwhile);
  pool.run(COMMAND.reduce);
  const plane = (q: number) => arena.f32(gradients + q * count * 4, count).slice();
  return {
    dMeanX: plane(0),
    dMeanY: plane(1),
    dConicA: plane(2),
    dConicB: plane(3),
    dConicC: plane(4),
    dOpacity: plane(5),
    dFeatures: arena.f32(gradients + GRADIENT_HEAD * count * 4, count * channels).slice(),
  };
}
