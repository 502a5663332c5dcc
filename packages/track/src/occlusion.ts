/**
 * Occlusion by the pusher (or any occluder): where the captured depth is well in front of where the tracked object
 * is expected, something stands between the camera and the object. Those pixels say nothing about where the object
 * is, yet the masked-image and segmentation losses read them as "no object here" and push the hidden Gaussians away:
 * on a pushed plush, the side the pusher touches was off by 6.0 mm (median over the first push) against 2.2 mm on the
 * far side (3.7 mm with this). The gs-dynamics preset therefore takes such pixels out of the image and segmentation
 * losses (a deviation from the reference, which has no occlusion handling; the dyn3dgs preset keeps the reference's
 * behaviour).
 */

export interface OcclusionOptions {
  /** The captured depth must be this much nearer than the predicted object (metres); above the depth noise. */
  margin?: number;
  /** Only pixels where the predicted object is this opaque count as "object expected here". */
  minAlpha?: number;
  /**
   * Grow the occluded region by this many pixels (the occluder's silhouette edge mixes depths and mask). Default
   * height / 120, rounded: 2 at 240 rows. Measured on simulated 320x240 captures, 2 beat 0 on the plush (MTE over
   * the first push 3.48 vs 3.67 mm) and helped the rope; on a 160x120 rope 2 pixels hid too much of it (the
   * error of its moving points rose from 4.5 mm without occlusion handling to 7.2 mm; 1 pixel: 5.0 mm).
   */
  dilate?: number;
}

export const OCCLUSION_DEFAULTS = { margin: 0.01, minAlpha: 0.5, dilatePerRow: 1 / 120 } as const;

/**
 * The pixels (row-major indices, ascending) where the object, as rendered from its predicted pose (alpha and median
 * depth, metres), is hidden: the mask does not show the object there, and the captured depth (millimetres, 0 = no
 * reading) is more than `margin` in front of the predicted object, so something else stands in front of it. (A
 * pixel the object has left shows the table behind it instead, and keeps its "no object here" loss.)
 */
export function occludedPixels(
  predictedAlpha: Float32Array,
  predictedDepth: Float32Array,
  capturedDepthMm: Uint16Array,
  mask: Uint8Array,
  width: number,
  height: number,
  options: OcclusionOptions = {},
): Uint32Array {
  const n = width * height;
  for (const [name, a] of [
    ['predictedAlpha', predictedAlpha],
    ['predictedDepth', predictedDepth],
    ['capturedDepthMm', capturedDepthMm],
    ['mask', mask],
  ] as const)
    if (a.length !== n)
      throw new RangeError(`occludedPixels: ${name} has ${a.length} values, expected ${width} x ${height}`);
  const margin = options.margin ?? OCCLUSION_DEFAULTS.margin;
  const minAlpha = options.minAlpha ?? OCCLUSION_DEFAULTS.minAlpha;
  const dilate = options.dilate ?? Math.round(height * OCCLUSION_DEFAULTS.dilatePerRow);
  const hidden = new Uint8Array(n);
  let any = false;
  for (let p = 0; p < n; p++) {
    const captured = capturedDepthMm[p];
    const expected = predictedDepth[p];
    if (mask[p] !== 0 || captured === 0 || expected <= 0 || predictedAlpha[p] < minAlpha) continue;
    if (captured / 1000 < expected - margin) {
      hidden[p] = 1;
      any = true;
    }
  }
  if (!any) return new Uint32Array(0);
  const grown = dilate > 0 ? dilateSquare(hidden, width, height, dilate) : hidden;
  let count = 0;
  for (let p = 0; p < n; p++) count += grown[p];
  const out = new Uint32Array(count);
  for (let p = 0, k = 0; p < n; p++) if (grown[p]) out[k++] = p;
  return out;
}

/** Binary dilation by a (2r+1)^2 square, separably (rows then columns). */
function dilateSquare(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (let xx = Math.max(0, x - r); xx <= Math.min(width - 1, x + r); xx++) rows[y * width + xx] = 1;
    }
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (!rows[y * width + x]) continue;
      for (let yy = Math.max(0, y - r); yy <= Math.min(height - 1, y + r); yy++) out[yy * width + x] = 1;
    }
  return out;
}

/**
 * Makes the occluded pixels of a loss target agree with the current render, so they carry no L1 gradient and SSIM
 * sees no difference there: `target[c][p] = gain[c] * rendered[c][p] + offset[c]` for every planar channel c, where
 * gain/offset map the render into the target's space (the frozen colour correction; 1 and 0 for the seg channel).
 */
export function fillOccluded(
  target: Float32Array,
  rendered: Float32Array,
  plane: number,
  channels: number,
  occluded: Uint32Array,
  gain: ArrayLike<number>,
  offset: ArrayLike<number>,
): void {
  for (let c = 0; c < channels; c++) {
    const g = gain[c];
    const o = offset[c];
    const base = c * plane;
    for (let k = 0; k < occluded.length; k++) {
      const p = base + occluded[k];
      target[p] = g * rendered[p] + o;
    }
  }
}
