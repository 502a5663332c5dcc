// The per-tile blending kernels of the Gaussian splatting rasteriser (forward and backward), four pixels per
// v128, over a memory shared by the main thread and worker_threads. Every call reads its arguments from a
// control block (layout.ts) and takes tiles from an atomic counter until none is left, so threads balance
// themselves whatever each tile costs. The blending rule is the one documented on TileForwardResult in
// src/types.ts; the backward is 3DGS's reverse traversal.

import * as L from './layout';
import { expv, maxLane, storeLanes, sumLanes } from './simd';

const TILE: i32 = 16;
/**
 * Floats per packed tile entry before the features: meanX, meanY, conicA, conicB, conicC, opacity, threshold,
 * depth, then the box xMin, xMax, yMin, yMax outside which alpha < 1/255 for sure.
 */
const PACK_HEAD: i32 = 12;
/** Byte offset of the features in a packed entry. */
const PACK_FEATURES: usize = 48;
/** Gradient slots per entry before the features: meanX, meanY, conicA, conicB, conicC, opacity. */
const GRAD_HEAD: i32 = 6;
const ALPHA_MAX: f32 = 0.99;
const ALPHA_MIN: f32 = 1.0 / 255.0;
const TRANSMITTANCE_MIN: f32 = 1e-4;

export const COMMAND_FORWARD: i32 = 1;
export const COMMAND_BACKWARD: i32 = 2;
export const COMMAND_REDUCE: i32 = 3;

export function controlLayoutVersion(): i32 {
  return L.CONTROL_LAYOUT_VERSION;
}

/** End of the module's static data: the TypeScript side places the control block above it. */
export function heapBase(): usize {
  return __heap_base;
}

/** Bytes of per-thread scratch for one tile of `entries` Gaussians with `channels` features (mirrored in TS). */
export function scratchBytes(entries: i32, channels: i32): usize {
  return (
    stateBytes(channels) +
    align16(<usize>entries * <usize>(PACK_HEAD + channels) * 4) +
    <usize>entries * <usize>(GRAD_HEAD + channels) * 16 +
    listBytes(entries) * 2
  );
}

/** One list of entry indices (the tile row's, or the pixel block's). */
function listBytes(entries: i32): usize {
  return align16((<usize>entries) << 2);
}

function stateBytes(channels: i32): usize {
  return <usize>channels * 3 * 16;
}

function align16(bytes: usize): usize {
  return (bytes + 15) & ~(<usize>15);
}

/** exp of `count` floats at `src` into `dst`, four at a time (a test hook for expv's accuracy). */
export function expArray(src: usize, dst: usize, count: i32): void {
  for (let i = 0; i < count; i += 4) {
    const at = (<usize>i) << 2;
    v128.store(dst + at, expv(v128.load(src + at)));
  }
}

/** Entry point of every thread: `thread` 0 is the main thread. */
export function run(ctl: usize, command: i32, thread: i32): void {
  if (command === COMMAND_REDUCE) {
    reduceGradients(ctl, thread);
    return;
  }
  const tileCount = load<i32>(ctl + L.TILE_COUNT);
  const tileOrder = load<usize>(ctl + L.TILE_ORDER);
  const scratch = load<usize>(ctl + L.SCRATCH) + <usize>thread * load<usize>(ctl + L.SCRATCH_STRIDE);
  while (true) {
    const k = atomic.add<i32>(ctl + L.TILE_COUNTER, 1);
    if (k >= tileCount) break;
    const tile = load<i32>(tileOrder + ((<usize>k) << 2));
    if (command === COMMAND_FORWARD) forwardTile(ctl, tile, scratch);
    else backwardTile(ctl, tile, scratch);
  }
}

/**
 * Copies the tile's Gaussians, front to back, into one contiguous array so that the 64 pixel blocks of the tile
 * stream through it. `threshold` is the power below which alpha < 1/255 for sure (a cheap reject before exp);
 * it is loosened by 1e-4 so that the exact alpha test still decides every borderline case.
 */
function packTile(ctl: usize, start: u32, end: u32, pack: usize, channels: i32): void {
  const order = load<usize>(ctl + L.ORDER);
  const meanX = load<usize>(ctl + L.MEAN_X);
  const meanY = load<usize>(ctl + L.MEAN_Y);
  const conicA = load<usize>(ctl + L.CONIC_A);
  const conicB = load<usize>(ctl + L.CONIC_B);
  const conicC = load<usize>(ctl + L.CONIC_C);
  const opacity = load<usize>(ctl + L.OPACITY);
  const depth = load<usize>(ctl + L.DEPTH);
  const features = load<usize>(ctl + L.FEATURES);
  const stride = (<usize>(PACK_HEAD + channels)) << 2;
  let dst = pack;
  for (let k = start; k < end; k++) {
    const g = <usize>load<u32>(order + ((<usize>k) << 2));
    const at = g << 2;
    const op = load<f32>(opacity + at);
    const mx = load<f32>(meanX + at);
    const my = load<f32>(meanY + at);
    const a = load<f32>(conicA + at);
    const b = load<f32>(conicB + at);
    const c = load<f32>(conicC + at);
    const threshold = Mathf.log(ALPHA_MIN / op) - 1e-4;
    store<f32>(dst, mx);
    store<f32>(dst, my, 4);
    store<f32>(dst, a, 8);
    store<f32>(dst, b, 12);
    store<f32>(dst, c, 16);
    store<f32>(dst, op, 20);
    store<f32>(dst, threshold, 24);
    store<f32>(dst, load<f32>(depth + at), 28);
    // The ellipse power >= threshold, i.e. d^T Q d <= r2, spans sqrt(r2 (Q^-1)_xx) = sqrt(r2 C / det) in x and
    // sqrt(r2 A / det) in y; widened so that float32 rounding in the exact per-pixel test never falls outside.
    let x0: f32 = -Infinity;
    let x1: f32 = Infinity;
    let y0: f32 = -Infinity;
    let y1: f32 = Infinity;
    const det = a * c - b * b;
    if (!(threshold <= 0)) {
      x0 = Infinity;
      x1 = -Infinity;
    } else if (det > 0 && a > 0 && c > 0) {
      const r2 = <f32>-2.002 * threshold;
      const ex = Mathf.sqrt((r2 * c) / det) + <f32>0.01;
      const ey = Mathf.sqrt((r2 * a) / det) + <f32>0.01;
      x0 = mx - ex;
      x1 = mx + ex;
      y0 = my - ey;
      y1 = my + ey;
    }
    store<f32>(dst, x0, 32);
    store<f32>(dst, x1, 36);
    store<f32>(dst, y0, 40);
    store<f32>(dst, y1, 44);
    const src = features + ((g * <usize>channels) << 2);
    for (let ch = 0; ch < channels; ch++) {
      store<f32>(dst + ((<usize>ch) << 2), load<f32>(src + ((<usize>ch) << 2)), PACK_FEATURES);
    }
    dst += stride;
  }
}

/** Entries (ascending) whose box reaches row y: branch-free compaction of 0..n-1. */
function rowList(pack: usize, stride: usize, n: i32, y: f32, list: usize): i32 {
  let count = 0;
  let e = pack;
  for (let j = 0; j < n; j++, e += stride) {
    store<i32>(list + ((<usize>count) << 2), j);
    count += i32(load<f32>(e, 40) <= y) & i32(load<f32>(e, 44) >= y);
  }
  return count;
}

/** Entries of the row list (ascending) whose box reaches columns [x, x + 3]. */
function blockList(pack: usize, stride: usize, row: usize, rowCount: i32, x: f32, list: usize): i32 {
  let count = 0;
  const xLast = x + 3;
  for (let r = 0; r < rowCount; r++) {
    const j = load<i32>(row + ((<usize>r) << 2));
    const e = pack + <usize>j * stride;
    store<i32>(list + ((<usize>count) << 2), j);
    count += i32(load<f32>(e, 32) <= xLast) & i32(load<f32>(e, 36) >= x);
  }
  return count;
}

function forwardTile(ctl: usize, tile: i32, scratch: usize): void {
  const width = load<i32>(ctl + L.WIDTH);
  const height = load<i32>(ctl + L.HEIGHT);
  const channels = load<i32>(ctl + L.CHANNELS);
  const tilesX = load<i32>(ctl + L.TILES_X);
  const ranges = load<usize>(ctl + L.RANGES);
  const start = load<u32>(ranges + ((<usize>tile) << 2));
  const end = load<u32>(ranges + ((<usize>tile) << 2), 4);
  const n = <i32>(end - start);
  const state = scratch;
  const pack = scratch + stateBytes(channels);
  const stride = (<usize>(PACK_HEAD + channels)) << 2;
  const row = pack + align16(<usize>n * stride);
  const block = row + listBytes(n);
  packTile(ctl, start, end, pack, channels);

  const image = load<usize>(ctl + L.IMAGE);
  const alphaOut = load<usize>(ctl + L.ALPHA);
  const expectedOut = load<usize>(ctl + L.EXPECTED_DEPTH);
  const medianOut = load<usize>(ctl + L.MEDIAN_DEPTH);
  const finalTOut = load<usize>(ctl + L.FINAL_T);
  const contribOut = load<usize>(ctl + L.CONTRIBUTORS);
  const background = load<usize>(ctl + L.BACKGROUND);
  const plane = (<usize>width * <usize>height) << 2;

  const x0 = (tile % tilesX) * TILE;
  const y0 = (tile / tilesX) * TILE;
  const xEnd = min(x0 + TILE, width);
  const yEnd = min(y0 + TILE, height);
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const half = f32x4.splat(0.5);
  const minusHalf = f32x4.splat(-0.5);
  const alphaMax = f32x4.splat(ALPHA_MAX);
  const alphaMin = f32x4.splat(ALPHA_MIN);
  const tMin = f32x4.splat(TRANSMITTANCE_MIN);
  const widthV = f32x4.splat(<f32>width);
  const laneX = f32x4(0, 1, 2, 3);

  for (let y = y0; y < yEnd; y++) {
    const py = f32x4.splat(<f32>y);
    const rowCount = rowList(pack, stride, n, <f32>y, row);
    for (let x = x0; x < xEnd; x += 4) {
      const px = f32x4.add(f32x4.splat(<f32>x), laneX);
      const blockCount = blockList(pack, stride, row, rowCount, <f32>x, block);
      let done = v128.not(f32x4.lt(px, widthV));
      let t = one;
      let f0 = zero;
      let f1 = zero;
      let f2 = zero;
      let sumW = zero;
      let sumWZ = zero;
      let median = zero;
      let contrib = zero;
      for (let c = 3; c < channels; c++) v128.store(state + ((<usize>c) << 4), zero);

      for (let b = 0; b < blockCount; b++) {
        const j = load<i32>(block + ((<usize>b) << 2));
        const g = pack + <usize>j * stride;
        const dx = f32x4.sub(v128.load32_splat(g), px);
        const dy = f32x4.sub(v128.load32_splat(g, 4), py);
        const quad = f32x4.add(
          f32x4.mul(v128.load32_splat(g, 8), f32x4.mul(dx, dx)),
          f32x4.mul(v128.load32_splat(g, 16), f32x4.mul(dy, dy)),
        );
        const power = f32x4.sub(
          f32x4.mul(minusHalf, quad),
          f32x4.mul(v128.load32_splat(g, 12), f32x4.mul(dx, dy)),
        );
        const near = v128.andnot(f32x4.ge(power, v128.load32_splat(g, 24)), done);
        if (!v128.any_true(near)) continue;
        const alpha = f32x4.min(alphaMax, f32x4.mul(v128.load32_splat(g, 20), expv(power)));
        const ok = v128.and(near, v128.and(f32x4.le(power, zero), f32x4.ge(alpha, alphaMin)));
        if (!v128.any_true(ok)) continue;
        const testT = f32x4.mul(t, f32x4.sub(one, alpha));
        const stop = v128.and(ok, f32x4.lt(testT, tMin));
        const blend = v128.andnot(ok, stop);
        const w = v128.and(f32x4.mul(alpha, t), blend);
        f0 = f32x4.add(f0, f32x4.mul(v128.load32_splat(g, PACK_FEATURES), w));
        f1 = f32x4.add(f1, f32x4.mul(v128.load32_splat(g, PACK_FEATURES + 4), w));
        f2 = f32x4.add(f2, f32x4.mul(v128.load32_splat(g, PACK_FEATURES + 8), w));
        for (let c = 3; c < channels; c++) {
          const acc = state + ((<usize>c) << 4);
          const fc = v128.load32_splat(g + ((<usize>c) << 2), PACK_FEATURES);
          v128.store(acc, f32x4.add(v128.load(acc), f32x4.mul(fc, w)));
        }
        const depth = v128.load32_splat(g, 28);
        sumW = f32x4.add(sumW, w);
        sumWZ = f32x4.add(sumWZ, f32x4.mul(w, depth));
        // T only decreases: it crosses 0.5 at the one Gaussian where T > 0.5 >= testT.
        const medianNow = v128.and(blend, v128.and(f32x4.le(testT, half), f32x4.gt(t, half)));
        median = v128.bitselect(depth, median, medianNow);
        t = v128.bitselect(testT, t, blend);
        contrib = v128.bitselect(i32x4.splat(j + 1), contrib, blend);
        if (v128.any_true(stop)) {
          done = v128.or(done, stop);
          if (i32x4.all_true(done)) break;
        }
      }

      const lanes = min(4, width - x);
      const p = (<usize>y * <usize>width + <usize>x) << 2;
      storeLanes(image + p, f32x4.add(f0, f32x4.mul(t, v128.load32_splat(background))), lanes);
      storeLanes(image + plane + p, f32x4.add(f1, f32x4.mul(t, v128.load32_splat(background, 4))), lanes);
      storeLanes(image + plane * 2 + p, f32x4.add(f2, f32x4.mul(t, v128.load32_splat(background, 8))), lanes);
      for (let c = 3; c < channels; c++) {
        const bg = v128.load32_splat(background + ((<usize>c) << 2));
        const acc = v128.load(state + ((<usize>c) << 4));
        storeLanes(image + plane * <usize>c + p, f32x4.add(acc, f32x4.mul(t, bg)), lanes);
      }
      storeLanes(alphaOut + p, f32x4.sub(one, t), lanes);
      storeLanes(finalTOut + p, t, lanes);
      storeLanes(contribOut + p, contrib, lanes);
      storeLanes(expectedOut + p, v128.and(f32x4.div(sumWZ, sumW), f32x4.gt(sumW, zero)), lanes);
      storeLanes(medianOut + p, median, lanes);
    }
  }
}

function backwardTile(ctl: usize, tile: i32, scratch: usize): void {
  const width = load<i32>(ctl + L.WIDTH);
  const height = load<i32>(ctl + L.HEIGHT);
  const channels = load<i32>(ctl + L.CHANNELS);
  const tilesX = load<i32>(ctl + L.TILES_X);
  const ranges = load<usize>(ctl + L.RANGES);
  const start = load<u32>(ranges + ((<usize>tile) << 2));
  const end = load<u32>(ranges + ((<usize>tile) << 2), 4);
  const n = <i32>(end - start);
  const packStride = (<usize>(PACK_HEAD + channels)) << 2;
  const slots = GRAD_HEAD + channels;
  const gradStride = (<usize>slots) << 4;
  // state: accumulated colour behind, colour of the last visited Gaussian, dL/d(pixel), one v128 per channel each.
  const accumState = scratch;
  const lastColorState = scratch + ((<usize>channels) << 4);
  const dPixelState = scratch + ((<usize>channels) << 5);
  const pack = scratch + stateBytes(channels);
  const grads = pack + align16(<usize>n * packStride);
  const row = grads + <usize>n * gradStride;
  const block = row + listBytes(n);
  packTile(ctl, start, end, pack, channels);
  const zero = f32x4.splat(0);
  for (let q: usize = 0, total = <usize>n * <usize>slots; q < total; q++) v128.store(grads + (q << 4), zero);

  const dImage = load<usize>(ctl + L.IMAGE);
  const dAlphaIn = load<usize>(ctl + L.ALPHA);
  const finalTIn = load<usize>(ctl + L.FINAL_T);
  const contribIn = load<usize>(ctl + L.CONTRIBUTORS);
  const background = load<usize>(ctl + L.BACKGROUND);
  const plane = (<usize>width * <usize>height) << 2;

  const x0 = (tile % tilesX) * TILE;
  const y0 = (tile / tilesX) * TILE;
  const xEnd = min(x0 + TILE, width);
  const yEnd = min(y0 + TILE, height);
  const one = f32x4.splat(1);
  const minusHalf = f32x4.splat(-0.5);
  const alphaMax = f32x4.splat(ALPHA_MAX);
  const alphaMin = f32x4.splat(ALPHA_MIN);
  const widthV = f32x4.splat(<f32>width);
  const laneX = f32x4(0, 1, 2, 3);

  for (let y = y0; y < yEnd; y++) {
    const py = f32x4.splat(<f32>y);
    const rowCount = rowList(pack, packStride, n, <f32>y, row);
    for (let x = x0; x < xEnd; x += 4) {
      const px = f32x4.add(f32x4.splat(<f32>x), laneX);
      const inImage = f32x4.lt(px, widthV);
      const p = (<usize>y * <usize>width + <usize>x) << 2;
      // Lanes past the image edge read neighbouring (or padding) memory and are masked off here.
      const contrib = v128.and(v128.load(contribIn + p), inImage);
      const last = maxLane(contrib);
      if (last === 0) continue;
      const finalT = v128.and(v128.load(finalTIn + p), inImage);
      const dAlpha = dAlphaIn ? v128.and(v128.load(dAlphaIn + p), inImage) : zero;
      let bgDot = zero;
      for (let c = 0; c < channels; c++) {
        const off = (<usize>c) << 4;
        const dPixel = v128.and(v128.load(dImage + plane * <usize>c + p), inImage);
        v128.store(dPixelState + off, dPixel);
        v128.store(accumState + off, zero);
        v128.store(lastColorState + off, zero);
        bgDot = f32x4.add(bgDot, f32x4.mul(v128.load32_splat(background + ((<usize>c) << 2)), dPixel));
      }
      // d(alpha image)/d(alpha_i) = T_final / (1 - alpha_i); the background enters with the opposite sign.
      const finalTerm = f32x4.mul(finalT, f32x4.sub(dAlpha, bgDot));
      let t = finalT;
      let lastAlpha = zero;
      let remaining = blockList(pack, packStride, row, rowCount, <f32>x, block);
      while (remaining > 0 && load<i32>(block + ((<usize>(remaining - 1)) << 2)) >= last) remaining--;

      for (let b = remaining - 1; b >= 0; b--) {
        const j = load<i32>(block + ((<usize>b) << 2));
        const g = pack + <usize>j * packStride;
        const active = i32x4.gt_s(contrib, i32x4.splat(j));
        const dx = f32x4.sub(v128.load32_splat(g), px);
        const dy = f32x4.sub(v128.load32_splat(g, 4), py);
        const conicA = v128.load32_splat(g, 8);
        const conicB = v128.load32_splat(g, 12);
        const conicC = v128.load32_splat(g, 16);
        const quad = f32x4.add(f32x4.mul(conicA, f32x4.mul(dx, dx)), f32x4.mul(conicC, f32x4.mul(dy, dy)));
        const power = f32x4.sub(f32x4.mul(minusHalf, quad), f32x4.mul(conicB, f32x4.mul(dx, dy)));
        const near = v128.and(active, f32x4.ge(power, v128.load32_splat(g, 24)));
        if (!v128.any_true(near)) continue;
        const opacity = v128.load32_splat(g, 20);
        const gauss = expv(power);
        const opG = f32x4.mul(opacity, gauss);
        const alpha = f32x4.min(alphaMax, opG);
        const ok = v128.and(near, v128.and(f32x4.le(power, zero), f32x4.ge(alpha, alphaMin)));
        if (!v128.any_true(ok)) continue;
        const oneMinusAlpha = f32x4.sub(one, alpha);
        t = v128.bitselect(f32x4.div(t, oneMinusAlpha), t, ok);
        const w = v128.and(f32x4.mul(alpha, t), ok);
        const gq = grads + <usize>j * gradStride;
        let dLdAlpha = zero;
        for (let c = 0; c < channels; c++) {
          const off = (<usize>c) << 4;
          const dPixel = v128.load(dPixelState + off);
          const fc = v128.load32_splat(g + ((<usize>c) << 2), PACK_FEATURES);
          const slot = gq + ((<usize>(GRAD_HEAD + c)) << 4);
          v128.store(slot, f32x4.add(v128.load(slot), f32x4.mul(w, dPixel)));
          let accum = v128.load(accumState + off);
          const lastColor = v128.load(lastColorState + off);
          accum = v128.bitselect(
            f32x4.add(f32x4.mul(lastAlpha, lastColor), f32x4.mul(f32x4.sub(one, lastAlpha), accum)),
            accum,
            ok,
          );
          v128.store(accumState + off, accum);
          v128.store(lastColorState + off, v128.bitselect(fc, lastColor, ok));
          dLdAlpha = f32x4.add(dLdAlpha, f32x4.mul(f32x4.sub(fc, accum), dPixel));
        }
        lastAlpha = v128.bitselect(alpha, lastAlpha, ok);
        dLdAlpha = f32x4.add(f32x4.mul(dLdAlpha, t), f32x4.div(finalTerm, oneMinusAlpha));
        // Where alpha was clamped at ALPHA_MAX it depends on neither opacity nor the Gaussian's shape.
        dLdAlpha = v128.and(dLdAlpha, v128.and(ok, f32x4.lt(opG, alphaMax)));
        const dLdPower = f32x4.mul(opG, dLdAlpha);
        const dLdPowerNeg = f32x4.neg(dLdPower);
        v128.store(
          gq,
          f32x4.add(
            v128.load(gq),
            f32x4.mul(dLdPowerNeg, f32x4.add(f32x4.mul(conicA, dx), f32x4.mul(conicB, dy))),
          ),
        );
        v128.store(
          gq,
          f32x4.add(
            v128.load(gq, 16),
            f32x4.mul(dLdPowerNeg, f32x4.add(f32x4.mul(conicC, dy), f32x4.mul(conicB, dx))),
          ),
          16,
        );
        const halfNeg = f32x4.mul(dLdPower, minusHalf);
        v128.store(gq, f32x4.add(v128.load(gq, 32), f32x4.mul(halfNeg, f32x4.mul(dx, dx))), 32);
        v128.store(gq, f32x4.add(v128.load(gq, 48), f32x4.mul(dLdPowerNeg, f32x4.mul(dx, dy))), 48);
        v128.store(gq, f32x4.add(v128.load(gq, 64), f32x4.mul(halfNeg, f32x4.mul(dy, dy))), 64);
        v128.store(gq, f32x4.add(v128.load(gq, 80), f32x4.mul(gauss, dLdAlpha)), 80);
      }
    }
  }

  // Per-entry sums in CSR order: the final per-Gaussian sum then runs in a fixed order whatever the threads.
  const entryGrads = load<usize>(ctl + L.ENTRY_GRADIENTS);
  let dst = entryGrads + ((<usize>start * <usize>slots) << 2);
  for (let q: usize = 0, total = <usize>n * <usize>slots; q < total; q++) {
    store<f32>(dst, sumLanes(v128.load(grads + (q << 4))));
    dst += 4;
  }
}

/**
 * Sums the per-entry gradients into per-Gaussian gradients, entries in CSR order (so the result does not depend
 * on which thread ran which tile). Thread `thread` of THREAD_COUNT owns one contiguous range of Gaussians.
 */
function reduceGradients(ctl: usize, thread: i32): void {
  const count = <usize>load<i32>(ctl + L.GAUSSIAN_COUNT);
  const channels = <usize>load<i32>(ctl + L.CHANNELS);
  const entries = <usize>load<i32>(ctl + L.ENTRY_COUNT);
  const threads = <usize>load<i32>(ctl + L.THREAD_COUNT);
  const order = load<usize>(ctl + L.ORDER);
  const entryGrads = load<usize>(ctl + L.ENTRY_GRADIENTS);
  const out = load<usize>(ctl + L.GRADIENTS);
  const lo = (count * <usize>thread) / threads;
  const hi = (count * (<usize>thread + 1)) / threads;
  const slots = <usize>GRAD_HEAD + channels;
  const featuresOut = out + ((count * <usize>GRAD_HEAD) << 2);
  for (let q: usize = 0; q < <usize>GRAD_HEAD; q++)
    memory.fill(out + ((q * count + lo) << 2), 0, (hi - lo) << 2);
  memory.fill(featuresOut + ((lo * channels) << 2), 0, ((hi - lo) * channels) << 2);
  let src = entryGrads;
  for (let k: usize = 0; k < entries; k++, src += slots << 2) {
    const g = <usize>load<u32>(order + (k << 2));
    if (g < lo || g >= hi) continue;
    for (let q: usize = 0; q < <usize>GRAD_HEAD; q++) {
      const at = out + ((q * count + g) << 2);
      store<f32>(at, load<f32>(at) + load<f32>(src + (q << 2)));
    }
    const fOut = featuresOut + ((g * channels) << 2);
    const fSrc = src + ((<usize>GRAD_HEAD) << 2);
    for (let c: usize = 0; c < channels; c++) {
      const at = fOut + (c << 2);
      store<f32>(at, load<f32>(at) + load<f32>(fSrc + (c << 2)));
    }
  }
}
