/**
 * Image quality metrics for evaluation (no gradients). Data range 1; images planar, C*H*W.
 */
import { checkImages, maskWeights, type PixelMask, type PlanarImage } from './loss/image.js';
import { ssimCore } from './loss/ssim.js';

/**
 * Peak signal-to-noise ratio, 10 log10(1 / MSE), with the MSE over all channels of the (masked) pixels:
 * sum_p m_p sum_c (pred - target)^2 / (C * sum_p m_p). Infinity for identical images; NaN for an empty mask.
 */
export function psnr(
  pred: PlanarImage,
  target: PlanarImage,
  channels: number,
  width: number,
  height: number,
  mask?: PixelMask,
): number {
  checkImages('psnr', pred, target, channels, width, height);
  const plane = width * height;
  const weights = mask === undefined ? undefined : maskWeights('psnr', mask, width, height);
  let total = plane;
  if (weights) {
    total = 0;
    for (let p = 0; p < plane; p++) total += weights[p];
  }
  if (total === 0) return Number.NaN;
  let sum = 0;
  for (let c = 0; c < channels; c++) {
    const base = c * plane;
    for (let p = 0; p < plane; p++) {
      const d = pred[base + p] - target[base + p];
      sum += (weights ? weights[p] : 1) * d * d;
    }
  }
  const mse = sum / (channels * total);
  return 10 * Math.log10(1 / mse);
}

/**
 * Mean SSIM (the training loss's SSIM: 11x11 Gaussian window, sigma 1.5, zero padding) over all channels
 * and the (masked) pixels. The SSIM map is computed on the whole, unmasked images; the mask only chooses
 * (weights) which pixels of the map are averaged. NaN for an empty mask.
 */
export function ssimValue(
  pred: PlanarImage,
  target: PlanarImage,
  channels: number,
  width: number,
  height: number,
  mask?: PixelMask,
): number {
  checkImages('ssimValue', pred, target, channels, width, height);
  const weights = mask === undefined ? undefined : maskWeights('ssimValue', mask, width, height);
  if (weights?.every((w) => w === 0)) return Number.NaN;
  return ssimCore(pred, target, channels, width, height, { weights, gradient: false, map: false }).value;
}
