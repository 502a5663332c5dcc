import { ssimWasmAvailable } from '../wasm/ssim-module.js';
import { checkImages, type PlanarImage } from './image.js';
import { ssimCoreWasm } from './ssim-wasm.js';

export { ssimWasmAvailable, ssimWasmUnavailableReason } from '../wasm/ssim-module.js';
export { ssimCoreWasm } from './ssim-wasm.js';

/**
 * SSIM as the 3DGS / Dyn3DGS training loss computes it (`loss_utils.ssim`): per channel, local statistics
 * from an 11x11 Gaussian window (sigma 1.5, normalised) applied as a "same" correlation with zero padding
 * (torch conv2d, padding 5, groups = channels), C1 = 0.01^2, C2 = 0.03^2 (data range 1), and
 *
 *   S = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2))
 *
 * with sigma_x^2 = G*(x^2) - mu_x^2 and sigma_xy = G*(xy) - mu_x mu_y. The loss uses the mean of S over
 * channels and pixels. `ssimCoreReference` computes all statistics in float64, the WebAssembly kernel that
 * `ssimCore` prefers for float32 images (assembly/ssim.ts) in float32, as PyTorch does.
 *
 * Gradient: per pixel, S depends on x only through mu_x = G*x, E_xx = G*(x^2) and E_xy = G*(xy), so
 *   dL/dx = G^T(dL/dmu_x) + 2 x G^T(dL/dE_xx) + y G^T(dL/dE_xy),
 * and the adjoint G^T of a zero-padded correlation with a symmetric kernel is the same zero-padded
 * correlation. With A1 = 2 mu_x mu_y + C1, A2 = 2 sigma_xy + C2, B1 = mu_x^2 + mu_y^2 + C1,
 * B2 = sigma_x^2 + sigma_y^2 + C2 (B1, B2 > 0):
 *   dS/dmu_x = 2 mu_y (A2 - A1) / (B1 B2) - 2 mu_x S (1/B1 - 1/B2),  dS/dE_xx = -S / B2,  dS/dE_xy = 2 A1 / (B1 B2).
 */

export const SSIM_WINDOW = 11;
export const SSIM_SIGMA = 1.5;
export const SSIM_C1 = 0.01 ** 2;
export const SSIM_C2 = 0.03 ** 2;
const RADIUS = (SSIM_WINDOW - 1) / 2;

/** The normalised 1D Gaussian window (the 2D window is its outer product, also normalised). */
export function gaussianWindow1d(size = SSIM_WINDOW, sigma = SSIM_SIGMA): Float64Array {
  const w = new Float64Array(size);
  const centre = Math.floor(size / 2);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    w[i] = Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma));
    sum += w[i];
  }
  for (let i = 0; i < size; i++) w[i] /= sum;
  return w;
}

const WINDOW = gaussianWindow1d();
const [W0, W1, W2, W3, W4, W5] = WINDOW;

/** Scratch planes, reused between calls of the same image size (SSIM runs every fitting iteration). */
class Workspace {
  readonly plane: number;
  readonly buffers: Float64Array[];
  constructor(plane: number) {
    this.plane = plane;
    this.buffers = Array.from({ length: 11 }, () => new Float64Array(plane));
  }
}
let workspace: Workspace | undefined;
function getWorkspace(plane: number): Workspace {
  if (workspace?.plane !== plane) workspace = new Workspace(plane);
  return workspace;
}

/** The horizontal window at column x of a row, taps outside the row skipped (zero padding). */
function clippedRowTap(src: Float64Array, row: number, x: number, width: number): number {
  let s = 0;
  const t0 = Math.max(0, RADIUS - x);
  const t1 = Math.min(SSIM_WINDOW, width + RADIUS - x);
  for (let t = t0; t < t1; t++) s += WINDOW[t] * src[row + x - RADIUS + t];
  return s;
}

/** dst = G * src, zero padding; `tmp` holds the horizontal pass. All planes W*H. */
function blur(src: Float64Array, dst: Float64Array, tmp: Float64Array, width: number, height: number): void {
  // Horizontal pass; the symmetric interior is unrolled, the border columns clip the taps (zero padding).
  const interiorEnd = Math.max(RADIUS, width - RADIUS);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < Math.min(RADIUS, width); x++) tmp[row + x] = clippedRowTap(src, row, x, width);
    for (let i = row + RADIUS; i < row + interiorEnd; i++) {
      tmp[i] =
        W5 * src[i] +
        W4 * (src[i - 1] + src[i + 1]) +
        W3 * (src[i - 2] + src[i + 2]) +
        W2 * (src[i - 3] + src[i + 3]) +
        W1 * (src[i - 4] + src[i + 4]) +
        W0 * (src[i - 5] + src[i + 5]);
    }
    for (let x = Math.max(interiorEnd, RADIUS); x < width; x++)
      tmp[row + x] = clippedRowTap(src, row, x, width);
  }
  // Vertical pass, row by row so the inner loop runs along contiguous memory.
  for (let y = 0; y < height; y++) {
    const out = y * width;
    if (y >= RADIUS && y < height - RADIUS) {
      const r0 = (y - 5) * width;
      const r1 = r0 + width;
      const r2 = r1 + width;
      const r3 = r2 + width;
      const r4 = r3 + width;
      const r5 = r4 + width;
      const r6 = r5 + width;
      const r7 = r6 + width;
      const r8 = r7 + width;
      const r9 = r8 + width;
      const r10 = r9 + width;
      for (let x = 0; x < width; x++) {
        dst[out + x] =
          W5 * tmp[r5 + x] +
          W4 * (tmp[r4 + x] + tmp[r6 + x]) +
          W3 * (tmp[r3 + x] + tmp[r7 + x]) +
          W2 * (tmp[r2 + x] + tmp[r8 + x]) +
          W1 * (tmp[r1 + x] + tmp[r9 + x]) +
          W0 * (tmp[r0 + x] + tmp[r10 + x]);
      }
      continue;
    }
    dst.fill(0, out, out + width);
    const t0 = Math.max(0, RADIUS - y);
    const t1 = Math.min(SSIM_WINDOW, height + RADIUS - y);
    for (let t = t0; t < t1; t++) {
      const w = WINDOW[t];
      const src = (y - RADIUS + t) * width;
      for (let x = 0; x < width; x++) dst[out + x] += w * tmp[src + x];
    }
  }
}

export interface SsimOptions {
  /** Per-pixel weights (H*W) of the average; undefined = plain mean over all pixels. */
  weights?: Float32Array;
  /** Compute the gradient of the (weighted) mean with respect to pred. */
  gradient: boolean;
  /** Keep the per-pixel SSIM map (C*H*W). */
  map: boolean;
}

export interface SsimResult {
  value: number;
  grad?: Float32Array;
  map?: Float64Array;
}

/**
 * The (weighted) mean SSIM: sum_c sum_p w_p S_cp / (C * sum_p w_p), optionally with its gradient and map.
 * Exported for the metrics and the masked image loss; use `ssim` or `ssimMap` otherwise.
 *
 * Float32 images (both) go to the WebAssembly SIMD kernel (`ssimCoreWasm`, float32 like PyTorch) when
 * build/ssim.wasm is available; anything else, i.e. a Float64Array (the precision tests and finite differences
 * ask for), or no kernel, to the float64 `ssimCoreReference`.
 */
export function ssimCore(
  pred: PlanarImage,
  target: PlanarImage,
  channels: number,
  width: number,
  height: number,
  options: SsimOptions,
): SsimResult {
  if (pred instanceof Float32Array && target instanceof Float32Array && ssimWasmAvailable())
    return ssimCoreWasm(pred, target, channels, width, height, options);
  return ssimCoreReference(pred, target, channels, width, height, options);
}

/** `ssimCore` in float64 plain TypeScript: the readable reference, and the fallback without the kernel. */
export function ssimCoreReference(
  pred: PlanarImage,
  target: PlanarImage,
  channels: number,
  width: number,
  height: number,
  options: SsimOptions,
): SsimResult {
  checkImages('ssim', pred, target, channels, width, height);
  const plane = width * height;
  const weights = options.weights;
  let norm = channels * plane;
  if (weights) {
    let total = 0;
    for (let p = 0; p < plane; p++) total += weights[p];
    norm = channels * total;
  }
  const grad = options.gradient ? new Float32Array(channels * plane) : undefined;
  const map = options.map ? new Float64Array(channels * plane) : undefined;
  if (norm === 0) return { value: 0, grad, map };
  const inv = 1 / norm;
  const [x, y, xx, yy, xy, mx, my, exx, eyy, exy, tmp] = getWorkspace(plane).buffers;
  let total = 0;
  for (let c = 0; c < channels; c++) {
    const base = c * plane;
    for (let p = 0; p < plane; p++) {
      const a = pred[base + p];
      const b = target[base + p];
      x[p] = a;
      y[p] = b;
      xx[p] = a * a;
      yy[p] = b * b;
      xy[p] = a * b;
    }
    blur(x, mx, tmp, width, height);
    blur(y, my, tmp, width, height);
    blur(xx, exx, tmp, width, height);
    blur(yy, eyy, tmp, width, height);
    blur(xy, exy, tmp, width, height);
    // Reuse xx, yy, xy as the per-pixel adjoints dL/dmu_x, dL/dE_xx, dL/dE_xy.
    const dmx = xx;
    const dexx = yy;
    const dexy = xy;
    for (let p = 0; p < plane; p++) {
      const ux = mx[p];
      const uy = my[p];
      const a1 = 2 * ux * uy + SSIM_C1;
      const a2 = 2 * (exy[p] - ux * uy) + SSIM_C2;
      const b1 = ux * ux + uy * uy + SSIM_C1;
      const b2 = exx[p] - ux * ux + (eyy[p] - uy * uy) + SSIM_C2;
      const b1b2 = b1 * b2;
      const s = (a1 * a2) / b1b2;
      if (map) map[base + p] = s;
      const g = weights ? weights[p] * inv : inv;
      total += g * s;
      if (grad) {
        dmx[p] = g * ((2 * uy * (a2 - a1)) / b1b2 - 2 * ux * s * (1 / b1 - 1 / b2));
        dexx[p] = (-g * s) / b2;
        dexy[p] = (g * 2 * a1) / b1b2;
      }
    }
    if (grad) {
      blur(dmx, mx, tmp, width, height);
      blur(dexx, exx, tmp, width, height);
      blur(dexy, exy, tmp, width, height);
      for (let p = 0; p < plane; p++) grad[base + p] = mx[p] + 2 * x[p] * exx[p] + y[p] * exy[p];
    }
  }
  return { value: total, grad, map };
}

/** Mean SSIM over channels and pixels, and its exact gradient with respect to `pred`. */
export function ssim(
  pred: PlanarImage,
  target: PlanarImage,
  channels: number,
  width: number,
  height: number,
): { value: number; grad: Float32Array } {
  const r = ssimCore(pred, target, channels, width, height, { gradient: true, map: false });
  return { value: r.value, grad: r.grad as Float32Array };
}

/** The per-pixel SSIM map (planar, C*H*W), e.g. for visualisation or masked averages. */
export function ssimMap(
  pred: PlanarImage,
  target: PlanarImage,
  channels: number,
  width: number,
  height: number,
): Float64Array {
  return ssimCore(pred, target, channels, width, height, { gradient: false, map: true }).map as Float64Array;
}
