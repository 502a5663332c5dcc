import { knn, unitQuatToMatrixInto } from '@gsdyn/geometry';

/**
 * How a ground-truth surface point is read off a set of tracked Gaussians, following Dyn3DGS's definition of a
 * point track: a point is carried in the local coordinate frame of the Gaussian it belongs to. Each truth point p is
 * tied, once, at frame 0, to its k nearest Gaussians j with fixed inverse-distance weights w_j and its offset in
 * each one's frame, o_j = R_j(0)^T (p - mu_j(0)); at frame t its position is
 *
 *   p(t) = sum_j w_j (mu_j(t) + R_j(t) o_j),
 *
 * which is exactly p at frame 0 and moves rigidly with a Gaussian that translates and rotates. Fixing the Gaussians
 * and the offsets at frame 0 is what makes this a test of tracking: a tracker that lets its Gaussians drift off the
 * material they started on, or spin them, is charged for it. Without rotations (identity everywhere) the offsets are
 * plain displacements.
 */
export interface Association {
  /** Gaussians per truth point. */
  k: number;
  /** K*k Gaussian indices, nearest first. */
  indices: Uint32Array;
  /** K*k weights, summing to 1 per truth point. */
  weights: Float32Array;
  /** K*k*3 offsets of the truth point in each associated Gaussian's local frame at frame 0 (metres). */
  offsets: Float32Array;
}

/**
 * Distance floor of the inverse-distance weights (metres): a Gaussian sitting exactly on a truth point gets weight
 * 1/1e-4 = 1e4 instead of infinity, which for neighbours centimetres away is a weight of ~0.99+.
 */
export const ASSOCIATION_DISTANCE_FLOOR_M = 1e-4;

/**
 * Ties each of the K truth points (K*3, frame 0, metres) to its k nearest Gaussians (N*3 frame-0 centres, N*4 unit
 * quaternions w x y z; omitted = identity): w_j = 1 / max(d_j, 1e-4 m), normalised to sum 1, and the local offsets.
 * k = 1 is "the nearest Gaussian".
 */
export function associatePoints(
  truth0: Float32Array,
  gaussians0: Float32Array,
  k = 3,
  rotations0?: Float32Array,
): Association {
  if (truth0.length % 3 !== 0)
    throw new RangeError(`associatePoints: truth0 has ${truth0.length} values, expected K*3`);
  if (gaussians0.length % 3 !== 0)
    throw new RangeError(`associatePoints: gaussians0 has ${gaussians0.length} values, expected N*3`);
  const n = gaussians0.length / 3;
  if (rotations0 !== undefined && rotations0.length !== 4 * n)
    throw new RangeError(
      `associatePoints: rotations0 has ${rotations0.length} values, expected N*4 = ${4 * n} for ${n} Gaussians`,
    );
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
  const offsets = new Float32Array(points * k * 3);
  const w = new Float64Array(k);
  const R = new Float64Array(9);
  for (let p = 0; p < points; p++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      w[j] = 1 / Math.max(Math.sqrt(distances2[p * k + j]), ASSOCIATION_DISTANCE_FLOOR_M);
      sum += w[j];
    }
    for (let j = 0; j < k; j++) {
      const slot = p * k + j;
      weights[slot] = w[j] / sum;
      const g = indices[slot];
      const dx = truth0[3 * p] - gaussians0[3 * g];
      const dy = truth0[3 * p + 1] - gaussians0[3 * g + 1];
      const dz = truth0[3 * p + 2] - gaussians0[3 * g + 2];
      rotationOf(rotations0, g, R);
      // R^T d: the offset in the Gaussian's own axes.
      offsets[3 * slot] = R[0] * dx + R[3] * dy + R[6] * dz;
      offsets[3 * slot + 1] = R[1] * dx + R[4] * dy + R[7] * dz;
      offsets[3 * slot + 2] = R[2] * dx + R[5] * dy + R[8] * dz;
    }
  }
  return { k, indices, weights, offsets };
}

/**
 * Predicted truth-point positions (T, K, 3) from Gaussian centres `means` (T, N, 3) and rotations (T, N, 4; omitted =
 * identity), all frame-major: pred[t, p] = sum_j w[p, j] (means[t, g_j] + R(rotations[t, g_j]) offsets[p, j]).
 */
export function predictPoints(
  assoc: Association,
  means: Float32Array,
  frames: number,
  gaussians: number,
  rotations?: Float32Array,
): Float32Array {
  const { k, indices, weights, offsets } = assoc;
  if (means.length !== frames * gaussians * 3)
    throw new RangeError(
      `predictPoints: means has ${means.length} values, expected frames x gaussians x 3 = ${frames} x ${gaussians} x 3`,
    );
  if (rotations !== undefined && rotations.length !== frames * gaussians * 4)
    throw new RangeError(
      `predictPoints: rotations has ${rotations.length} values, expected frames x gaussians x 4 = ${frames} x ${gaussians} x 4`,
    );
  if (indices.length !== weights.length || indices.length % k !== 0 || offsets.length !== 3 * indices.length)
    throw new RangeError(
      `predictPoints: association has ${indices.length} indices, ${weights.length} weights and ${offsets.length} offset values for k = ${k}`,
    );
  const points = indices.length / k;
  for (let i = 0; i < indices.length; i++)
    if (indices[i] >= gaussians)
      throw new RangeError(
        `predictPoints: association index ${indices[i]} is out of range for ${gaussians} Gaussians`,
      );
  const out = new Float32Array(frames * points * 3);
  const R = new Float64Array(9);
  for (let t = 0; t < frames; t++) {
    const frameMeans = t * gaussians * 3;
    const frameRotations = rotations?.subarray(t * gaussians * 4, (t + 1) * gaussians * 4);
    for (let p = 0; p < points; p++) {
      let x = 0;
      let y = 0;
      let z = 0;
      for (let j = 0; j < k; j++) {
        const slot = p * k + j;
        const w = weights[slot];
        const g = indices[slot];
        const m = frameMeans + 3 * g;
        rotationOf(frameRotations, g, R);
        const ox = offsets[3 * slot];
        const oy = offsets[3 * slot + 1];
        const oz = offsets[3 * slot + 2];
        x += w * (means[m] + R[0] * ox + R[1] * oy + R[2] * oz);
        y += w * (means[m + 1] + R[3] * ox + R[4] * oy + R[5] * oz);
        z += w * (means[m + 2] + R[6] * ox + R[7] * oy + R[8] * oz);
      }
      const o = (t * points + p) * 3;
      out[o] = x;
      out[o + 1] = y;
      out[o + 2] = z;
    }
  }
  return out;
}

/** Row-major rotation matrix of Gaussian g's (renormalised) quaternion; identity without rotations. */
function rotationOf(rotations: Float32Array | undefined, g: number, out: Float64Array): void {
  if (rotations === undefined) {
    out.fill(0);
    out[0] = out[4] = out[8] = 1;
    return;
  }
  const o = 4 * g;
  const n = Math.hypot(rotations[o], rotations[o + 1], rotations[o + 2], rotations[o + 3]) || 1;
  unitQuatToMatrixInto(
    rotations[o] / n,
    rotations[o + 1] / n,
    rotations[o + 2] / n,
    rotations[o + 3] / n,
    out,
  );
}
