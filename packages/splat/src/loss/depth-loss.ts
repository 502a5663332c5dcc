/**
 * Depth loss of a render against a captured depth image: the mean over valid pixels of |depthSum / alpha - target|,
 * in metres. depthSum / alpha is the blend-weighted mean depth of the Gaussians seen through the pixel, so the loss
 * pulls the Gaussians that show at a pixel onto the captured surface and gives more weight to those already on it;
 * dividing by alpha keeps it from rewarding a fainter render (sum(w z) alone shrinks with the opacities).
 *
 * A pixel is valid where the target is positive (0 = no reading, or not the object) and the render covers it
 * (alpha > minAlpha), so that the mean depth of a barely covered pixel cannot dominate.
 */
export interface DepthLoss {
  value: number;
  /** Pixels that entered the mean. */
  pixels: number;
  /** dL/d(depthSum) and dL/d(alpha), H x W. */
  dDepthSum: Float32Array;
  dAlpha: Float32Array;
}

export const DEPTH_LOSS_MIN_ALPHA = 0.5;

export function depthLoss(
  depthSum: Float32Array,
  alpha: Float32Array,
  target: Float32Array,
  minAlpha = DEPTH_LOSS_MIN_ALPHA,
): DepthLoss {
  const n = target.length;
  if (depthSum.length !== n || alpha.length !== n)
    throw new RangeError(
      `depthLoss: depthSum (${depthSum.length}), alpha (${alpha.length}) and target (${n}) must have one value per pixel`,
    );
  const dDepthSum = new Float32Array(n);
  const dAlpha = new Float32Array(n);
  let pixels = 0;
  for (let i = 0; i < n; i++) if (target[i] > 0 && alpha[i] > minAlpha) pixels++;
  if (pixels === 0) return { value: 0, pixels, dDepthSum, dAlpha };
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const a = alpha[i];
    if (!(target[i] > 0 && a > minAlpha)) continue;
    const mean = depthSum[i] / a;
    const r = mean - target[i];
    sum += Math.abs(r);
    const g = Math.sign(r) / pixels;
    // d(mean)/d(depthSum) = 1/a, d(mean)/d(alpha) = -mean/a.
    dDepthSum[i] = g / a;
    dAlpha[i] = (-g * mean) / a;
  }
  return { value: sum / pixels, pixels, dDepthSum, dAlpha };
}
