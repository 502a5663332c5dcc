// SSIM (11x11 Gaussian window, zero padding) with its exact gradient, four pixels per v128 in float32: the fast
// path of src/loss/ssim.ts's ssimCore (the formulas of ssimCoreReference; see that file). A separate module from the
// tile kernels, with its own non-shared memory, run synchronously on the calling thread.
//
// One sweep over the rows per channel, everything a few rows behind the row just read, so the working set stays in
// cache: at step r the horizontal pass blurs input row r into the five statistic planes, the vertical pass finishes
// the statistics of row r - 5 (all 11 rows it needs now exist) into five rows, the pointwise pass turns those into
// the SSIM and the three adjoint rows, which are blurred horizontally into three adjoint planes, and the vertical
// pass of the adjoints (into three rows, then combined with x and y) finishes the gradient of row r - 10. Every pass
// is a short loop of its own: fused loop bodies grow too long for the processor to overlap iterations (measured 10%
// slower per fusion). Zero padding is real zeros: padded rows with PAD zero floats either side for the horizontal
// passes, and RADIUS zero rows above and below every plane for the vertical ones, so no pass has border cases.

import { storeLanes } from './simd';

const RADIUS: i32 = 5;
/** Zero floats either side of a padded row: at least RADIUS, and a multiple of 4 to keep rows 16-byte aligned. */
const PAD: i32 = 8;
/** Statistic planes (mu_x, mu_y, E_xx, E_yy, E_xy) then adjoint planes (dL/dmu_x, dL/dE_xx, dL/dE_xy). */
const PLANES: i32 = 8;
/**
 * Rows: x, y, xx, yy, xy and the three adjoint rows (padded), then five rows of vertical-pass results (the statistics
 * of one image row, later in the same step the blurred adjoints of another).
 */
const ROWS: i32 = 13;
const COLUMN_ROWS: i32 = 8;
const C1: f32 = 0.0001;
const C2: f32 = 0.0009;

// The normalised window, Math.fround(gaussianWindow1d()[k]) for k = 0..5 (symmetric: tap 10 - k equals tap k);
// test/ssim-wasm.test.ts checks windowTap against the TypeScript window.
const G0: f32 = 0.00102838008447911;
const G1: f32 = 0.007598758135239185;
const G2: f32 = 0.03600077212843083;
const G3: f32 = 0.10936068950970002;
const G4: f32 = 0.2130055377112537;
const G5: f32 = 0.26601172486179436;

/** Tap k (0..10) of the window as the kernels use it (a test hook). */
export function windowTap(k: i32): f32 {
  const j = k > RADIUS ? 2 * RADIUS - k : k;
  return j === 0 ? G0 : j === 1 ? G1 : j === 2 ? G2 : j === 3 ? G3 : j === 4 ? G4 : G5;
}

/** End of the module's static data: the TypeScript side places its buffers above it. */
export function heapBase(): usize {
  return __heap_base;
}

function paddedRowBytes(width: i32): usize {
  return (<usize>(((width + 3) & ~3) + 2 * PAD)) << 2;
}

function planeBytes(width: i32, height: i32): usize {
  return ((<usize>((width + 3) & ~3)) << 2) * <usize>(height + 2 * RADIUS);
}

/** Bytes of scratch `ssim` needs for one width x height image (any channel count). */
export function scratchBytes(width: i32, height: i32): usize {
  return <usize>ROWS * paddedRowBytes(width) + <usize>PLANES * planeBytes(width, height);
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline, which biome parses on methods only.
class Window {
  /**
   * sum_t G_t v[t], the 11 taps at `at + t * step` bytes: symmetric pairs added first, then summed as a tree, which
   * keeps the dependency chain short (the loops are latency-bound otherwise). Inlined: a call per window costs half
   * again the kernel's time.
   */
  @inline static sum(at: usize, step: usize): v128 {
    const p5 = f32x4.mul(v128.load(at + 5 * step), f32x4.splat(G5));
    const p4 = f32x4.mul(f32x4.add(v128.load(at + 4 * step), v128.load(at + 6 * step)), f32x4.splat(G4));
    const p3 = f32x4.mul(f32x4.add(v128.load(at + 3 * step), v128.load(at + 7 * step)), f32x4.splat(G3));
    const p2 = f32x4.mul(f32x4.add(v128.load(at + 2 * step), v128.load(at + 8 * step)), f32x4.splat(G2));
    const p1 = f32x4.mul(f32x4.add(v128.load(at + step), v128.load(at + 9 * step)), f32x4.splat(G1));
    const p0 = f32x4.mul(f32x4.add(v128.load(at), v128.load(at + 10 * step)), f32x4.splat(G0));
    return f32x4.add(f32x4.add(f32x4.add(p5, p4), f32x4.add(p3, p2)), f32x4.add(p1, p0));
  }
}

/** Horizontal pass: the padded row `src` (data from float PAD on) blurred into the plane row `dst` (w4 floats). */
function blurRow(src: usize, dst: usize, w4: i32): void {
  const first = src + ((<usize>(PAD - RADIUS)) << 2);
  for (let x = 0; x < w4; x += 4) {
    const at = (<usize>x) << 2;
    v128.store(dst + at, Window.sum(first + at, 4));
  }
}

/**
 * SSIM of `channels` planar float32 images (pred at `pred`, target at `target`, each channels x height x width,
 * readable 16 bytes past their end). Returns sum_c sum_p w_p S_cp, with w_p the weights at `weights` (height x
 * width) or 1 where `weights` is 0. Where `grad` is not 0 it receives d/dpred of gradScale * that sum; where `map`
 * is not 0 it receives S (channels x height x width). `scratch` holds scratchBytes(width, height) bytes.
 */
export function ssim(
  pred: usize,
  target: usize,
  weights: usize,
  grad: usize,
  map: usize,
  scratch: usize,
  channels: i32,
  width: i32,
  height: i32,
  gradScale: f32,
): f64 {
  const w4 = (width + 3) & ~3;
  const rowBytes = paddedRowBytes(width);
  const stride = (<usize>w4) << 2;
  const planeSize = planeBytes(width, height);
  const rows = scratch;
  const planes = rows + <usize>ROWS * rowBytes;
  const widthBytes = (<usize>width) << 2;
  const imageRowBytes = widthBytes;
  const channelBytes = imageRowBytes * <usize>height;
  // Padding zeros: every padded row (data columns are rewritten, the rest never), and the RADIUS rows above and
  // below the data rows of every plane.
  memory.fill(rows, 0, <usize>ROWS * rowBytes);
  const padBytes = stride * <usize>RADIUS;
  for (let k = 0; k < PLANES; k++) {
    const plane = planes + <usize>k * planeSize;
    memory.fill(plane, 0, padBytes);
    memory.fill(plane + planeSize - padBytes, 0, padBytes);
  }
  const dataOffset = (<usize>PAD) << 2;
  let total: f64 = 0;
  for (let c = 0; c < channels; c++) {
    const channel = <usize>c * channelBytes;
    const xs = pred + channel;
    const ys = target + channel;
    for (let r = 0; r < height + 2 * RADIUS; r++) {
      if (r < height) {
        const src = <usize>r * imageRowBytes;
        memory.copy(rows + dataOffset, xs + src, widthBytes);
        memory.copy(rows + rowBytes + dataOffset, ys + src, widthBytes);
        productRows(rows, rowBytes);
        // Plane row r lives at memory row r + RADIUS.
        const at = planes + <usize>(r + RADIUS) * stride;
        for (let k = 0; k < 5; k++) blurRow(rows + <usize>k * rowBytes, at + <usize>k * planeSize, w4);
      }
      const y = r - RADIUS;
      if (y >= 0 && y < height) {
        const offset = <usize>y * imageRowBytes;
        const statistics = rows + <usize>COLUMN_ROWS * rowBytes;
        for (let k = 0; k < 5; k++)
          columnRow(
            planes + <usize>k * planeSize + <usize>y * stride,
            stride,
            statistics + <usize>k * rowBytes,
            w4,
          );
        total += ssimRow(
          statistics,
          rowBytes,
          weights === 0 ? 0 : weights + offset,
          map === 0 ? 0 : map + channel + offset,
          grad === 0 ? 0 : rows + 5 * rowBytes + dataOffset,
          width,
          gradScale,
        );
        if (grad !== 0) {
          const at = planes + 5 * planeSize + <usize>(y + RADIUS) * stride;
          for (let k = 0; k < 3; k++)
            blurRow(rows + <usize>(5 + k) * rowBytes, at + <usize>k * planeSize, w4);
        }
      }
      const yg = r - 2 * RADIUS;
      if (grad !== 0 && yg >= 0) {
        const offset = channel + <usize>yg * imageRowBytes;
        const adjoints = rows + <usize>COLUMN_ROWS * rowBytes;
        for (let k = 0; k < 3; k++)
          columnRow(
            planes + <usize>(5 + k) * planeSize + <usize>yg * stride,
            stride,
            adjoints + <usize>k * rowBytes,
            w4,
          );
        gradientRow(
          adjoints,
          rowBytes,
          xs + <usize>yg * imageRowBytes,
          ys + <usize>yg * imageRowBytes,
          grad + offset,
          width,
        );
      }
    }
  }
  return total;
}

/** x*x, y*y, x*y of the padded rows 0 and 1 into padded rows 2, 3, 4 (padding stays zero). */
function productRows(rows: usize, rowBytes: usize): void {
  for (let at: usize = 0; at < rowBytes; at += 16) {
    const x = v128.load(rows + at);
    const y = v128.load(rows + rowBytes + at);
    v128.store(rows + 2 * rowBytes + at, f32x4.mul(x, x));
    v128.store(rows + 3 * rowBytes + at, f32x4.mul(y, y));
    v128.store(rows + 4 * rowBytes + at, f32x4.mul(x, y));
  }
}

/** Vertical pass: the plane rows from `top` on (`stride` bytes apart) blurred into the row `dst` (w4 floats). */
function columnRow(top: usize, stride: usize, dst: usize, w4: i32): void {
  for (let x = 0; x < w4; x += 4) {
    const at = (<usize>x) << 2;
    v128.store(dst + at, Window.sum(top + at, stride));
  }
}

/**
 * The per-pixel SSIM of one image row from its five statistics (rows `rowBytes` apart at `statistics`): adds w S
 * to the returned sum, stores S into `map`, and (where `adjoint` is not 0) the three adjoints, scaled by
 * gradScale w, into the rows at `adjoint`, `adjoint + rowBytes`, `adjoint + 2 rowBytes`. Lanes past the image
 * width contribute nothing and leave zero adjoints (the padding of the next pass).
 */
function ssimRow(
  statistics: usize,
  rowBytes: usize,
  weights: usize,
  map: usize,
  adjoint: usize,
  width: i32,
  gradScale: f32,
): f64 {
  let sumLo = f64x2.splat(0);
  let sumHi = f64x2.splat(0);
  const lanes = i32x4(0, 1, 2, 3);
  const one = f32x4.splat(1);
  const two = f32x4.splat(2);
  const scale = f32x4.splat(gradScale);
  for (let x = 0; x < width; x += 4) {
    const pixel = (<usize>x) << 2;
    const at = statistics + pixel;
    const ux = v128.load(at);
    const uy = v128.load(at + rowBytes);
    const exx = v128.load(at + 2 * rowBytes);
    const eyy = v128.load(at + 3 * rowBytes);
    const exy = v128.load(at + 4 * rowBytes);
    const valid = i32x4.lt_s(lanes, i32x4.splat(width - x));
    const w = v128.and(weights === 0 ? one : v128.load(weights + pixel), valid);

    const uxy = f32x4.mul(ux, uy);
    const uxx = f32x4.mul(ux, ux);
    const uyy = f32x4.mul(uy, uy);
    const a1 = f32x4.add(f32x4.mul(two, uxy), f32x4.splat(C1));
    const a2 = f32x4.add(f32x4.mul(two, f32x4.sub(exy, uxy)), f32x4.splat(C2));
    const b1 = f32x4.add(f32x4.add(uxx, uyy), f32x4.splat(C1));
    const b2 = f32x4.add(f32x4.add(f32x4.sub(exx, uxx), f32x4.sub(eyy, uyy)), f32x4.splat(C2));
    const b1b2 = f32x4.mul(b1, b2);
    // A true division (not a reciprocal times): S is exactly 1 where both windows are black, as in the reference.
    const s = f32x4.div(f32x4.mul(a1, a2), b1b2);
    const ws = v128.and(f32x4.mul(w, s), valid);
    sumLo = f64x2.add(sumLo, f64x2.promote_low_f32x4(ws));
    sumHi = f64x2.add(sumHi, f64x2.promote_low_f32x4(i32x4.shuffle(ws, ws, 2, 3, 0, 0)));
    if (map !== 0) storeLanes(map + pixel, s, width - x);
    if (adjoint !== 0) {
      // t = g / (B1 B2) with g = gradScale w: dS/dmu_x = 2 t (mu_y (A2 - A1) - mu_x S (B2 - B1)),
      // dS/dE_xx = -t S B1 (= -g S / B2), dS/dE_xy = 2 t A1.
      const t = f32x4.div(f32x4.mul(scale, w), b1b2);
      const dmx = f32x4.mul(
        f32x4.mul(two, t),
        f32x4.sub(f32x4.mul(uy, f32x4.sub(a2, a1)), f32x4.mul(f32x4.mul(ux, s), f32x4.sub(b2, b1))),
      );
      const dexx = f32x4.neg(f32x4.mul(f32x4.mul(t, s), b1));
      const dexy = f32x4.mul(f32x4.mul(two, t), a1);
      v128.store(adjoint + pixel, v128.and(dmx, valid));
      v128.store(adjoint + rowBytes + pixel, v128.and(dexx, valid));
      v128.store(adjoint + 2 * rowBytes + pixel, v128.and(dexy, valid));
    }
  }
  return (
    f64x2.extract_lane(sumLo, 0) +
    f64x2.extract_lane(sumLo, 1) +
    f64x2.extract_lane(sumHi, 0) +
    f64x2.extract_lane(sumHi, 1)
  );
}

/** One image row of the gradient from its blurred adjoints (rows `rowBytes` apart): G(dmx) + 2 x G(dexx) + y G(dexy). */
function gradientRow(adjoints: usize, rowBytes: usize, xs: usize, ys: usize, grad: usize, width: i32): void {
  const two = f32x4.splat(2);
  for (let x = 0; x < width; x += 4) {
    const pixel = (<usize>x) << 2;
    const dmx = v128.load(adjoints + pixel);
    const dexx = v128.load(adjoints + rowBytes + pixel);
    const dexy = v128.load(adjoints + 2 * rowBytes + pixel);
    const px = v128.load(xs + pixel);
    const py = v128.load(ys + pixel);
    const g = f32x4.add(f32x4.add(dmx, f32x4.mul(f32x4.mul(two, px), dexx)), f32x4.mul(py, dexy));
    storeLanes(grad + pixel, g, width - x);
  }
}
