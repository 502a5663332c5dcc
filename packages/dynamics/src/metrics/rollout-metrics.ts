import { chamferDistance } from './chamfer-distance.js';
import { earthMoversDistance } from './earth-movers-distance.js';
import { meanParticleError } from './particle-error.js';

/** Per-step dynamics metrics of one rollout, all in metres; index s is the state after s + 1 predicted steps. */
export interface RolloutMetrics {
  steps: number;
  meanParticleError: Float64Array;
  chamfer: Float64Array;
  earthMovers: Float64Array;
}

/**
 * Scores a predicted rollout against the truth, step by step. Both are steps x particleCount x 3, flattened,
 * with corresponding particles (the error after 1, 5 and all steps of a rollout are entries 0, 4 and steps - 1).
 */
export function rolloutMetrics(
  predicted: Float32Array | Float64Array,
  truth: Float32Array | Float64Array,
  particleCount: number,
): RolloutMetrics {
  if (!Number.isInteger(particleCount) || particleCount < 1)
    throw new RangeError(`rolloutMetrics: particleCount must be a positive integer, got ${particleCount}`);
  const stride = 3 * particleCount;
  if (predicted.length !== truth.length || predicted.length % stride !== 0 || predicted.length === 0)
    throw new RangeError(
      `rolloutMetrics: predicted (${predicted.length}) and truth (${truth.length}) must both hold steps x ${particleCount} x 3 values`,
    );
  const steps = predicted.length / stride;
  const out: RolloutMetrics = {
    steps,
    meanParticleError: new Float64Array(steps),
    chamfer: new Float64Array(steps),
    earthMovers: new Float64Array(steps),
  };
  for (let s = 0; s < steps; s++) {
    const p = predicted.subarray(s * stride, (s + 1) * stride);
    const t = truth.subarray(s * stride, (s + 1) * stride);
    out.meanParticleError[s] = meanParticleError(p, t);
    out.chamfer[s] = chamferDistance(p, t);
    out.earthMovers[s] = earthMoversDistance(p, t);
  }
  return out;
}
