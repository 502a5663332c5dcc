import { checkImages, maskWeights, type PixelMask, type PlanarImage } from './image.js';
import { signOf } from './l1.js';
import { cropPlanes, growRegion, type PixelRegion, placePlanes } from './region.js';
import { ssimCore, ssimCoreReference } from './ssim.js';

export interface ImageLossOptions {
  /** Per-pixel mask (H*W): Uint8Array = binary (non-zero counts), Float32Array = weights in [0, 1]. */
  mask?: PixelMask;
  /** Weight of the SSIM term; L1 gets 1 - ssimWeight. Default 0.2, the reference's 0.8 L1 + 0.2 (1 - SSIM). */
  ssimWeight?: number;
  /**
   * Compute SSIM with the float64 TypeScript reference (`ssimCoreReference`) even where the WebAssembly kernel
   * would be used (benchmarks, comparisons). Default false: `ssimCore` picks.
   */
  ssimReference?: boolean;
}

/**
 * The tracking image loss of Dyn3DGS / gs-dynamics: (1 - w) L1 + w (1 - SSIM), w = 0.2, and its gradient
 * with respect to `pred`.
 *
 * Without a mask this is exactly the reference. The reference itself never passes a mask: gs-dynamics
 * blacks the target out outside the object and compares the whole rendered image with it; to reproduce
 * that, pre-multiply the target and call without a mask.
 *
 * With a mask m: L1 is the mean over the masked pixels only (see `l1Loss`), and SSIM is the plain mean SSIM
 * of pred*m against target*m (both images masked, so nothing outside the mask is compared, while the
 * window statistics near the mask edge see black where the mask is 0, as in the reference's blacked-out
 * target). The gradient flows through the multiplication: dSSIM/dpred = m * dSSIM/d(pred*m).
 */
export function imageLoss(
  pred: PlanarImage,
  target: PlanarImage,
  channels: number,
  width: number,
  height: number,
  options: ImageLossOptions = {},
): ImageLossResult {
  checkImages('imageLoss', pred, target, channels, width, height);
  if (options.mask !== undefined) return imageLossDense(pred, target, channels, width, height, options);
  // SSIM differs from 1 only within one window radius of content, and a black pixel still moves the SSIM of every
  // window that holds content: the gradient reaches two radii out. Everything beyond that is exactly 1 with zero
  // gradient, and the box's zero padding stands in for the black pixels around it.
  const box = contentBox(pred, target, channels, width, height, 2 * SSIM_RADIUS);
  if (!box) {
    // Both images black everywhere: nothing to fit.
    return { value: 0, l1: 0, ssim: 1, grad: new Float32Array(channels * width * height) };
  }
  const boxPixels = box.width * box.height;
  if (boxPixels > 0.7 * width * height) return imageLossDense(pred, target, channels, width, height, options);
  const cropPred = cropPlanes(pred, channels, width, height, box);
  const cropTarget = cropPlanes(target, channels, width, height, box);
  // Re-normalise the box's means to the whole image (outside it L1 is 0 and SSIM 1); its gradient comes scaled.
  const share = boxPixels / (width * height);
  const inner = denseLoss(cropPred, cropTarget, channels, box.width, box.height, options, share);
  const l1 = inner.l1 * share;
  const ssimMean = inner.ssim * share + (1 - share);
  const w = options.ssimWeight ?? 0.2;
  const grad = new Float32Array(channels * width * height);
  placePlanes(inner.grad, channels, width, height, box, grad);
  return { value: (1 - w) * l1 + w * (1 - ssimMean), l1, ssim: ssimMean, grad };
}

export interface ImageLossResult {
  value: number;
  l1: number;
  ssim: number;
  grad: Float32Array;
}

/** Radius of the 11x11 SSIM window: how far a pixel's SSIM reaches. */
export const SSIM_RADIUS = 5;

/**
 * The pixels where either image is non-zero in some channel, grown by `margin` and clipped to the image;
 * undefined when both images are entirely zero. Tracking compares a render of the object on black with the
 * masked capture, so this is usually a small part of the frame.
 */
function contentBox(
  pred: PlanarImage,
  target: PlanarImage,
  channels: number,
  width: number,
  height: number,
  margin: number,
): PixelRegion | undefined {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  const plane = width * height;
  const black = (i: number) => pred[i] === 0 && target[i] === 0;
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < height; y++) {
      // Only the black run at either end of a row is scanned, not the content between (a full frame costs O(1)).
      const row = c * plane + y * width;
      let left = 0;
      while (left < width && black(row + left)) left++;
      if (left === width) continue;
      let right = width - 1;
      while (black(row + right)) right--;
      x0 = Math.min(x0, left);
      x1 = Math.max(x1, right);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  if (x1 < 0) return undefined;
  return growRegion({ x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 }, margin, width, height);
}

/**
 * The same loss computed over every pixel: the readable reference of `imageLoss`, which crops to the content
 * when the images are black around it (the result is the same; tested).
 */
export function imageLossDense(
  pred: PlanarImage,
  target: PlanarImage,
  channels: number,
  width: number,
  height: number,
  options: ImageLossOptions = {},
): ImageLossResult {
  return denseLoss(pred, target, channels, width, height, options, 1);
}

/** `imageLossDense` with its gradient multiplied by `gradScale` (the cropped loss's share of the image). */
function denseLoss(
  pred: PlanarImage,
  target: PlanarImage,
  channels: number,
  width: number,
  height: number,
  options: ImageLossOptions,
  gradScale: number,
): ImageLossResult {
  checkImages('imageLoss', pred, target, channels, width, height);
  const w = options.ssimWeight ?? 0.2;
  if (!(w >= 0 && w <= 1)) throw new RangeError(`imageLoss: ssimWeight must be in [0, 1], got ${w}`);
  const plane = width * height;
  const n = channels * plane;
  const weights =
    options.mask === undefined ? undefined : maskWeights('imageLoss', options.mask, width, height);

  const ssimPred = weights ? maskImage(pred, target, weights, channels, plane) : pred;
  const ssimTarget = weights ? maskImage(target, pred, weights, channels, plane) : target;
  const ssimOptions = { gradient: w > 0, map: false };
  const s = options.ssimReference
    ? ssimCoreReference(ssimPred, ssimTarget, channels, width, height, ssimOptions)
    : ssimCore(ssimPred, ssimTarget, channels, width, height, ssimOptions);
  // The SSIM gradient array becomes the result: L1 (the definition of `l1Loss`, its reference) is added into it in
  // the same pass, grad = gradScale ((1 - w) dL1 - w m dSSIM/d(pred m)).
  const grad = s.grad ?? new Float32Array(n);
  const l1Scale = gradScale * (1 - w);
  const ssimScale = s.grad ? -gradScale * w : 0;
  const norm = weights ? channels * weights.reduce((a, b) => a + b, 0) : n;
  const inv = norm === 0 ? 0 : 1 / norm;
  const sum = addL1(pred, target, weights, channels, plane, l1Scale * inv, ssimScale, grad);
  const l1 = sum * inv;
  return { value: (1 - w) * l1 + w * (1 - s.value), l1, ssim: s.value, grad };
}

/**
 * image * weights per pixel. Float32 images stay float32 (and so keep the SSIM fast path); a Float64Array (either
 * image) asks for double precision.
 */
function maskImage(
  image: PlanarImage,
  other: PlanarImage,
  weights: Float32Array,
  channels: number,
  plane: number,
): PlanarImage {
  const n = channels * plane;
  const out =
    image instanceof Float64Array || other instanceof Float64Array
      ? new Float64Array(n)
      : new Float32Array(n);
  for (let c = 0; c < channels; c++) {
    const base = c * plane;
    for (let p = 0; p < plane; p++) out[base + p] = image[base + p] * weights[p];
  }
  return out;
}

/**
 * The L1 term of the loss in the pass that finishes the gradient: returns sum_p m_p sum_c |pred - target| and sets
 * grad = step m sign(pred - target) + ssimScale m grad (m = weights, or 1). The definition is `l1Loss`'s (its
 * reference); a loop of its own so that it is optimised as one, not on stack replacement inside its caller.
 */
function addL1(
  pred: PlanarImage,
  target: PlanarImage,
  weights: Float32Array | undefined,
  channels: number,
  plane: number,
  step: number,
  ssimScale: number,
  grad: Float32Array,
): number {
  let sum = 0;
  if (weights) {
    for (let c = 0; c < channels; c++) {
      const base = c * plane;
      for (let p = 0; p < plane; p++) {
        const i = base + p;
        const m = weights[p];
        const d = pred[i] - target[i];
        sum += m * Math.abs(d);
        // m === 0 must give +0, not -0: masked-out pixels have no gradient at all.
        grad[i] = m === 0 ? 0 : m * (signOf(d) * step + ssimScale * grad[i]);
      }
    }
    return sum;
  }
  for (let i = 0; i < channels * plane; i++) {
    const d = pred[i] - target[i];
    sum += Math.abs(d);
    grad[i] = signOf(d) * step + ssimScale * grad[i];
  }
  return sum;
}
