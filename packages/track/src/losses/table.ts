import type { LossWithGrad, Values } from './loss-types.js';

/**
 * Keeps Gaussians above the table: mean over the given Gaussians of max(tableZ - z, 0). This replaces the
 * reference's `floor` term, mean(max(y, 0)), which is a Panoptic leftover (+y down there) that acts on a horizontal
 * axis in the gs-dynamics board frame; gsdyn's world is z up with the table at z = 0. `indices` (default: all)
 * selects the Gaussians, e.g. the foreground as in the reference. At z = tableZ exactly the gradient is 0.
 */
export function tableLoss(means: Values, indices?: Uint32Array, tableZ = 0): LossWithGrad {
  if (means.length % 3 !== 0) {
    throw new RangeError(`tableLoss: means has ${means.length} values, expected 3 per Gaussian`);
  }
  const gradMeans = new Float64Array(means.length);
  const value = addTableLoss(means, indices, tableZ, 1, gradMeans);
  return { value, gradMeans: new Float32Array(gradMeans) };
}

/**
 * tableLoss's value, with `weight` times its gradient added to `gradMeans` (3N, float64): the form the fused
 * physicalLosses uses to accumulate every prior into one buffer without allocating.
 */
export function addTableLoss(
  means: Values,
  indices: Uint32Array | undefined,
  tableZ: number,
  weight: number,
  gradMeans: Float64Array,
): number {
  const n = means.length / 3;
  const count = indices === undefined ? n : indices.length;
  if (count === 0) return 0;
  const inv = 1 / count;
  const step = weight * inv;
  let sum = 0;
  for (let r = 0; r < count; r++) {
    const i = indices === undefined ? r : indices[r];
    if (i >= n) throw new RangeError(`tableLoss: indices[${r}] = ${i} is out of range for ${n} Gaussians`);
    const below = tableZ - means[3 * i + 2];
    if (below > 0) {
      sum += below * inv;
      gradMeans[3 * i + 2] -= step;
    }
  }
  // The mean is accumulated scaled so that nothing but the return follows the loop: V8 may compile the loop
  // on-stack in the first call, and an operation after it that had not run by then deoptimises every later call.
  return sum;
}
