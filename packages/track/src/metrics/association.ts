import { knn } from '@gsdyn/geometry';

/**
 * How a ground-truth surface point is read off a set of tracked Gaussians. The tracker's Gaussians are not the
 * truth points, so each truth point is tied, once, at frame 0, to its k nearest Gaussians with fixed
 * inverse-distance weights; at every later frame its predicted position is the same weighted blend of those
 * Gaussians' centres. Fixing the weights at frame 0 is what makes this a test of tracking: a tracker that lets
 * its Gaussians drift off the material they started on is charged for it.
 */
export interface Association {
  /** Gaussians per truth point. */
  k: number;
  /** K*k Gaussian indices, nearest first. */
  indices: Uint32Array;
  /** K*k weights, summing to 1 per truth point. */
  weights: Float32Array;
}

/**
 * Distance floor of the inverse-distance weights (metres): a Gaussian sitting exactly on a truth point gets weight
 * 1/1e-4 = 1e4 instead of infinity, which for neighbours centimetres away is a weight of ~0.99+.
 */
export const ASSOCIATION_DISTANCE_FLOOR_M = 1e-4;

/**
 * Ties each of the K truth points (K*3, frame 0, metres) to its k nearest Gaussians (N*3 frame-0 centres):
 * w_j = 1 / max(d_j, 1e-4 m), normalised to sum 1. k = 1 is "the nearest Gaussian".
 */
export function associatePoints(truth0: Float32Array, gaussians0: Float32Array, k = 3): Association {
  if (truth0.length % 3 !== 0)
    throw new RangeError(`associatePoints: truth0 has ${truth0.length} values, expected K*3`);
  if (gaussians0.length % 3 !== 0)
    throw new RangeError(`associatePoints: gaussians0 has ${gaussians0.length} values, expected N*3`);
  const n = gaussians0.length / 3;
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new RangeError(
      `associatePoints: k must be an integer from 1 to the number of Gaussians (${n}), got ${k}`,
    );
  const points = truth0.length / 3;
  for (let i = 0; i < truth0.length; i++)
    if (!Number.isFinite(truth0[i]))
      throw new RangeError(`associatePoints: truth point ${Math.floor(i / 3)} is not finite`);
  const { indices, distances2 } = knn(gaussians0, k, truth0);
  const weights = new Float32Array(points * k);
  const w = new Float64Array(k);
  for (let p = 0; p < points; p++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      w[j] = 1 / Math.max(Math.sqrt(distances2[p * k + j]), ASSOCIATION_DISTANCE_FLOOR_M);
      sum += w[j];
    }
    for (let j = 0; j < k; j++) weights[p * k + j] = w[j] / sum;
  }
  return { k, indices, weights };
}

/**
 * Predicted truth-point positions (T, K, 3) from Gaussian centres `means` (T, N, 3), both frame-major:
 * pred[t, p] = sum_j weights[p, j] * means[t, indices[p, j]].
 */
export function predictPoints(
  assoc: Association,
  means: Float32Array,
  frames: number,
  gaussians: number,
): Float32Array {
  const { k, indices, weights } = assoc;
  if (means.length !== frames * gaussians * 3)
    throw new RangeError(
      `predictPoints: means has ${means.length} values, expected frames x gaussians x 3 = ${frames} x ${gaussians} x 3`,
    );
  if (indices.length !== weights.length || indices.length % k !== 0)
    throw new RangeError(
      `predictPoints: association has ${indices.length} indices and ${weights.length} weights for k = ${k}`,
    );
  const points = indices.length / k;
  for (let i = 0; i < indices.length; i++)
    if (indices[i] >= gaussians)
      throw new RangeError(
        `predictPoints: association index ${indices[i]} is out of range for ${gaussians} Gaussians`,
      );
  const out = new Float32Array(frames * points * 3);
  for (let t = 0; t < frames; t++) {
    const frameBase = t * gaussians * 3;
    for (let p = 0; p < points; p++) {
      let x = 0;
      let y = 0;
      let z = 0;
      for (let j = 0; j < k; j++) {
        const w = weights[p * k + j];
        const g = frameBase + 3 * indices[p * k + j];
        x += w * means[g];
        y += w * means[g + 1];
        z += w * means[g + 2];
      }
      const o = (t * points + p) * 3;
      out[o] = x;
      out[o + 1] = y;
      out[o + 2] = z;
    }
  }
  return out;
}
