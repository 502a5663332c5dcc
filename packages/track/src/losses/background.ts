import type { LossWithGrad, Values } from './loss-types.js';
import { norm4, normalisationBackward } from './relative-rotation.js';

/**
 * Pins the background Gaussians to frame 0: mean over background Gaussians of sum_xyz |x - x0| plus mean of
 * sum_wxyz |qhat - qhat0|, both quaternions normalised as in the reference (it compares the rendered rotations
 * with normalised frame-0 ones). d|v|/dv at v = 0 is taken as 0, like torch. With no background Gaussians the
 * value is 0 and the gradients are zero (the reference's mean over an empty set would be NaN).
 */
export function backgroundLoss(
  means: Values,
  quaternions: Values,
  means0: Values,
  quaternions0: Values,
  background: Uint32Array,
): LossWithGrad {
  if (means.length % 3 !== 0) {
    throw new RangeError(`backgroundLoss: means has ${means.length} values, expected 3 per Gaussian`);
  }
  const n = means.length / 3;
  if (means0.length !== 3 * n) {
    throw new RangeError(
      `backgroundLoss: means0 has ${means0.length} values, expected ${3 * n} (like means)`,
    );
  }
  if (quaternions.length !== 4 * n || quaternions0.length !== 4 * n) {
    throw new RangeError(
      `backgroundLoss: quaternions/quaternions0 have ${quaternions.length}/${quaternions0.length} values, expected ${4 * n}`,
    );
  }
  const gradMeans = new Float64Array(3 * n);
  const gradQuaternions = new Float64Array(4 * n);
  const value = addBackgroundLoss(
    means,
    quaternions,
    means0,
    quaternions0,
    background,
    1,
    gradMeans,
    gradQuaternions,
  );
  return {
    value,
    gradMeans: new Float32Array(gradMeans),
    gradQuaternions: new Float32Array(gradQuaternions),
  };
}

/**
 * backgroundLoss's value, with `weight` times its gradients added to `gradMeans` (3N) and `gradQuaternions` (4N),
 * float64: the form the fused physicalLosses uses to accumulate every prior into one buffer without allocating.
 * Shapes are the caller's to check.
 */
export function addBackgroundLoss(
  means: Values,
  quaternions: Values,
  means0: Values,
  quaternions0: Values,
  background: Uint32Array,
  weight: number,
  gradMeans: Float64Array,
  gradQuaternions: Float64Array,
): number {
  const n = means.length / 3;
  const count = background.length;
  if (count === 0) return 0;
  const inv = 1 / count;
  const step = weight * inv;
  let sum = 0;
  for (let r = 0; r < count; r++) {
    const i = background[r];
    if (i >= n)
      throw new RangeError(`backgroundLoss: background[${r}] = ${i} is out of range for ${n} Gaussians`);
    for (let c = 3 * i; c < 3 * i + 3; c++) {
      const d = means[c] - means0[c];
      sum += Math.abs(d) * inv;
      gradMeans[c] += Math.sign(d) * step;
    }
    const o = 4 * i;
    const nq = norm4(quaternions, o, 'backgroundLoss: quaternions');
    const n0 = norm4(quaternions0, o, 'backgroundLoss: quaternions0');
    const d0 = quaternions[o] / nq - quaternions0[o] / n0;
    const d1 = quaternions[o + 1] / nq - quaternions0[o + 1] / n0;
    const d2 = quaternions[o + 2] / nq - quaternions0[o + 2] / n0;
    const d3 = quaternions[o + 3] / nq - quaternions0[o + 3] / n0;
    sum += (Math.abs(d0) + Math.abs(d1) + Math.abs(d2) + Math.abs(d3)) * inv;
    normalisationBackward(
      quaternions,
      o,
      Math.sign(d0) * step,
      Math.sign(d1) * step,
      Math.sign(d2) * step,
      Math.sign(d3) * step,
      gradQuaternions,
    );
  }
  // Accumulated scaled so that nothing but the return follows the loop (see addTableLoss).
  return sum;
}
