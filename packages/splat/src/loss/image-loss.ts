import { checkImages, maskWeights, type PixelMask, type PlanarImage } from './image.js';
import { l1Loss } from './l1.js';
import { ssimCore } from './ssim.js';

export interface ImageLossOptions {
  /** Per-pixel mask (H*W): Uint8Array = binary (non-zero counts), Float32Array = weights in [0, 1]. */
  mask?: PixelMask;
  /** Weight of the SSIM term; L1 gets 1 - ssimWeight. Default 0.2, the reference's 0.8 L1 + 0.2 (1 - SSIM). */
  ssimWeight?: number;
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
  const cropPred = crop(pred, channels, width, height, box);
  const cropTarget = crop(target, channels, width, height, box);
  const inner = imageLossDense(cropPred, cropTarget, channels, box.width, box.height, options);
  // Re-normalise the box's means to the whole image (outside it L1 is 0 and SSIM 1).
  const share = boxPixels / (width * height);
  const l1 = inner.l1 * share;
  const ssimMean = inner.ssim * share + (1 - share);
  const w = options.ssimWeight ?? 0.2;
  const grad = new Float32Array(channels * width * height);
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < box.height; y++) {
      const src = (c * box.height + y) * box.width;
      const dst = (c * height + box.y + y) * width + box.x;
      for (let x = 0; x < box.width; x++) grad[dst + x] = inner.grad[src + x] * share;
    }
  return { value: (1 - w) * l1 + w * (1 - ssimMean), l1, ssim: ssimMean, grad };
}

export interface ImageLossResult {
  value: number;
  l1: number;
  ssim: number;
  grad: Float32Array;
}

/** Radius of the 11x11 SSIM window: how far a pixel's SSIM reaches. */
const SSIM_RADIUS = 5;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

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
): Box | undefined {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  const plane = width * height;
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < height; y++) {
      const row = c * plane + y * width;
      for (let x = 0; x < width; x++) {
        if (pred[row + x] === 0 && target[row + x] === 0) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  if (x1 < 0) return undefined;
  const bx = Math.max(0, x0 - margin);
  const by = Math.max(0, y0 - margin);
  return {
    x: bx,
    y: by,
    width: Math.min(width - 1, x1 + margin) - bx + 1,
    height: Math.min(height - 1, y1 + margin) - by + 1,
  };
}

function crop(image: PlanarImage, channels: number, width: number, height: number, box: Box): PlanarImage {
  const size = channels * box.width * box.height;
  const out = image instanceof Float64Array ? new Float64Array(size) : new Float32Array(size);
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < box.height; y++) {
      const src = (c * height + box.y + y) * width + box.x;
      out.set(image.subarray(src, src + box.width), (c * box.height + y) * box.width);
    }
  return out;
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
  const w = options.ssimWeight ?? 0.2;
  if (!(w >= 0 && w <= 1)) throw new RangeError(`imageLoss: ssimWeight must be in [0, 1], got ${w}`);
  const plane = width * height;
  const weights =
    options.mask === undefined ? undefined : maskWeights('imageLoss', options.mask, width, height);

  const l1 = l1Loss(pred, target, channels, width, height, weights);
  let ssimPred = pred;
  let ssimTarget = target;
  if (weights) {
    const mp = new Float64Array(channels * plane);
    const mt = new Float64Array(channels * plane);
    for (let c = 0; c < channels; c++) {
      const base = c * plane;
      for (let p = 0; p < plane; p++) {
        mp[base + p] = pred[base + p] * weights[p];
        mt[base + p] = target[base + p] * weights[p];
      }
    }
    ssimPred = mp;
    ssimTarget = mt;
  }
  const s = ssimCore(ssimPred, ssimTarget, channels, width, height, { gradient: w > 0, map: false });
  const grad = l1.grad;
  const wl1 = 1 - w;
  for (let i = 0; i < grad.length; i++) grad[i] *= wl1;
  if (s.grad) {
    const sg = s.grad;
    for (let c = 0; c < channels; c++) {
      const base = c * plane;
      for (let p = 0; p < plane; p++) grad[base + p] -= w * sg[base + p] * (weights ? weights[p] : 1);
    }
  }
  return { value: wl1 * l1.value + w * (1 - s.value), l1: l1.value, ssim: s.value, grad };
}
