// Colours that make drift visible: every Gaussian keeps, for the whole video, the colour of where it started.
// A Gaussian that slides to another part of the object then shows up as a patch of the wrong colour.

/** Lower end of each channel, so that no Gaussian renders black against the tracker's black background. */
const FLOOR = 0.2;
/**
 * The box is taken between these quantiles of each axis rather than the extremes, so that a few stray Gaussians
 * far from the object do not squeeze everyone else into one colour.
 */
const LOW_QUANTILE = 0.01;
const HIGH_QUANTILE = 0.99;
/** Axes thinner than this (metres) map to the middle of their channel instead of amplifying noise. */
const MIN_EXTENT = 1e-6;

/**
 * RGB (3N, in [FLOOR, 1] within [0, 1]) from each frame-0 position normalised within the cloud's (robust)
 * bounding box: red follows x, green y, blue z. The map is affine inside the box, so colours vary smoothly over
 * the object and two points whose normalised positions differ by d differ in colour by (1 - FLOOR) d.
 */
export function positionColors(means0: Float32Array): Float32Array {
  if (means0.length % 3 !== 0)
    throw new RangeError(`positionColors: means0 has ${means0.length} values, expected 3 per Gaussian`);
  const n = means0.length / 3;
  const out = new Float32Array(3 * n);
  if (n === 0) return out;
  for (let axis = 0; axis < 3; axis++) {
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = means0[3 * i + axis];
    values.sort();
    const lo = values[Math.floor(LOW_QUANTILE * (n - 1))];
    const hi = values[Math.ceil(HIGH_QUANTILE * (n - 1))];
    const extent = hi - lo;
    for (let i = 0; i < n; i++) {
      const u = extent > MIN_EXTENT ? (means0[3 * i + axis] - lo) / extent : 0.5;
      const clamped = Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : 0.5;
      out[3 * i + axis] = FLOOR + (1 - FLOOR) * clamped;
    }
  }
  return out;
}
