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
