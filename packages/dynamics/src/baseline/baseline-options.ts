/**
 * Structural settings of the particle baseline: fixed, not fitted (the fitted file records them, since the
 * meaning of the fitted parameters depends on them).
 */
export interface BaselineOptions {
  /** Springs join each particle to its `springNeighbours` nearest particles within `springRadius` (metres). */
  springRadius: number;
  springNeighbours: number;
  /** Substeps per rollout step: the tool moves linearly from one step's position to the next in this many. */
  substeps: number;
  /** More substeps are used when the tool would otherwise travel further than this in one (metres). */
  maxSubstepTravel: number;
  /** Constraint iterations per substep. */
  iterations: number;
}

/**
 * Defaults matched to the dynamics data: ~1 cm of tool travel per step (4 substeps of 2.5 mm, well under the
 * 1.5 cm tool radius, so the tool cannot pass through a particle), and the learned model's own edge radius and
 * neighbour count (0.08 m, 6) for the springs.
 */
export const DEFAULT_BASELINE_OPTIONS: Readonly<BaselineOptions> = {
  springRadius: 0.08,
  springNeighbours: 6,
  substeps: 4,
  maxSubstepTravel: 0.005,
  iterations: 3,
};

export function resolveBaselineOptions(
  options: Partial<BaselineOptions> | undefined,
  caller: string,
): BaselineOptions {
  const o = { ...DEFAULT_BASELINE_OPTIONS, ...options };
  if (!(o.springRadius > 0) || !Number.isFinite(o.springRadius))
    throw new RangeError(
      `${caller}: options.springRadius must be a positive number of metres, got ${o.springRadius}`,
    );
  if (!(o.maxSubstepTravel > 0) || !Number.isFinite(o.maxSubstepTravel))
    throw new RangeError(
      `${caller}: options.maxSubstepTravel must be a positive number of metres, got ${o.maxSubstepTravel}`,
    );
  for (const key of ['springNeighbours', 'substeps', 'iterations'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1)
      throw new RangeError(`${caller}: options.${key} must be a positive integer, got ${o[key]}`);
  }
  return o;
}
