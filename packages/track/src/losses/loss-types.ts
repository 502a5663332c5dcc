/** Coordinates as the tracker holds them (Float32Array) or as finite-difference tests hold them (Float64Array). */
export type Values = Float32Array | Float64Array;

/**
 * A scalar loss and its gradients with respect to the full parameter arrays it was given (3N means, 4N quaternions,
 * zero for Gaussians the loss does not touch). Absent gradients mean the loss does not depend on that parameter.
 */
export interface LossWithGrad {
  value: number;
  gradMeans?: Float32Array;
  gradQuaternions?: Float32Array;
}

/**
 * A LossWithGrad before its gradients are rounded to float32: what the fused physical priors are checked against
 * (a float32 oracle would hide differences below 6e-8 relative).
 */
export interface LossWithGrad64 {
  value: number;
  gradMeans?: Float64Array;
  gradQuaternions?: Float64Array;
}

/** The float32 gradients the tracker adds to its render gradients. */
export function toFloat32(loss: LossWithGrad64): LossWithGrad {
  const out: LossWithGrad = { value: loss.value };
  if (loss.gradMeans) out.gradMeans = new Float32Array(loss.gradMeans);
  if (loss.gradQuaternions) out.gradQuaternions = new Float32Array(loss.gradQuaternions);
  return out;
}
