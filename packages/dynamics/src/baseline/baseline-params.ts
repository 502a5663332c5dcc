/**
 * The few uniform physical parameters of the particle baseline (particle-simulator.ts), the ones CMA-ES fits.
 * Every particle and every spring shares them, as the paper's MPM and FleX baselines share one friction and one
 * stiffness per object.
 */
export interface BaselineParams {
  /** Fraction of a stretched spring's length error corrected per solver iteration (PBD stiffness), [1e-4, 1]. */
  stretchStiffness: number;
  /**
   * The same for a compressed spring, [1e-4, 1]: low for strings and sheets (a rope or a cloth buckles rather than
   * pushes back), as high as stretchStiffness for a solid.
   */
  compressionStiffness: number;
  /**
   * Fraction of the way each particle moves per iteration towards the best rigid placement of the rest shape
   * (global shape matching): resistance to bending and shearing of the whole object, [1e-4, 1].
   */
  shapeStiffness: number;
  /**
   * Coulomb friction against the table at a fixed nominal normal load: a particle resting on the table loses
   * friction x 1 mm of its sliding per substep, and does not slide at all when it would slide less, [0, 4].
   */
  friction: number;
  /** Fraction of the previous substep's motion that does not carry over (0 = free inertia, 1 = quasi-static), [0, 1]. */
  damping: number;
  /** Radius of a particle for contact with the tool cylinder, metres, [0.001, 0.03]. */
  particleRadius: number;
}

export type BaselineParamName = keyof BaselineParams;

export interface ParamRange {
  lower: number;
  upper: number;
  /**
   * How the fit's normalised coordinate in [0, 1] maps to the value: stiffnesses act per iteration and matter on a
   * logarithmic scale (1e-3 and 1e-2 behave very differently over a rollout, 0.5 and 0.6 hardly).
   */
  scale: 'linear' | 'log';
}

export const BASELINE_PARAM_RANGES: Readonly<Record<BaselineParamName, ParamRange>> = {
  stretchStiffness: { lower: 1e-4, upper: 1, scale: 'log' },
  compressionStiffness: { lower: 1e-4, upper: 1, scale: 'log' },
  shapeStiffness: { lower: 1e-4, upper: 1, scale: 'log' },
  friction: { lower: 0, upper: 4, scale: 'linear' },
  damping: { lower: 0, upper: 1, scale: 'linear' },
  particleRadius: { lower: 0.001, upper: 0.03, scale: 'linear' },
};

/** The parameters in the order of the normalised vector the fit searches. */
export const BASELINE_PARAM_NAMES: readonly BaselineParamName[] = [
  'stretchStiffness',
  'compressionStiffness',
  'shapeStiffness',
  'friction',
  'damping',
  'particleRadius',
];

/** A middle-of-the-road start for the fit: a fairly stiff, sticky, quasi-static object. */
export const DEFAULT_BASELINE_PARAMS: Readonly<BaselineParams> = {
  stretchStiffness: 0.3,
  compressionStiffness: 0.03,
  shapeStiffness: 0.01,
  friction: 1,
  damping: 0.5,
  particleRadius: 0.008,
};

/** Throws a RangeError naming the first parameter that is missing, not finite or out of its range. */
export function checkBaselineParams(params: BaselineParams, caller: string): void {
  for (const name of BASELINE_PARAM_NAMES) {
    const v = params[name];
    const { lower, upper } = BASELINE_PARAM_RANGES[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lower || v > upper)
      throw new RangeError(`${caller}: params.${name} must be a number in [${lower}, ${upper}], got ${v}`);
  }
}

/** The parameters as a point of [0, 1]^6 (the fit's search space). */
export function baselineParamsToUnit(params: BaselineParams): Float64Array {
  checkBaselineParams(params, 'baselineParamsToUnit');
  return Float64Array.from(BASELINE_PARAM_NAMES, (name) => {
    const { lower, upper, scale } = BASELINE_PARAM_RANGES[name];
    const v = params[name];
    return scale === 'log' ? Math.log(v / lower) / Math.log(upper / lower) : (v - lower) / (upper - lower);
  });
}

/** The inverse of baselineParamsToUnit; coordinates are clamped into [0, 1]. */
export function baselineParamsFromUnit(unit: ArrayLike<number>): BaselineParams {
  if (unit.length !== BASELINE_PARAM_NAMES.length)
    throw new RangeError(
      `baselineParamsFromUnit: expected ${BASELINE_PARAM_NAMES.length} coordinates, got ${unit.length}`,
    );
  const out = {} as BaselineParams;
  BASELINE_PARAM_NAMES.forEach((name, i) => {
    const u = unit[i];
    if (!Number.isFinite(u))
      throw new RangeError(`baselineParamsFromUnit: coordinate ${i} (${name}) is ${u}`);
    const t = Math.min(1, Math.max(0, u));
    const { lower, upper, scale } = BASELINE_PARAM_RANGES[name];
    // The ends are returned exactly so that a clamped coordinate always passes checkBaselineParams.
    out[name] =
      t === 0
        ? lower
        : t === 1
          ? upper
          : scale === 'log'
            ? lower * (upper / lower) ** t
            : lower + (upper - lower) * t;
  });
  return out;
}
