import { minimize, type StopReason } from '../optim/cma-es.js';
import { type BaselineOptions, resolveBaselineOptions } from './baseline-options.js';
import {
  BASELINE_PARAM_NAMES,
  type BaselineParams,
  baselineParamsFromUnit,
  baselineParamsToUnit,
  DEFAULT_BASELINE_PARAMS,
} from './baseline-params.js';
import { BaselineSimulator } from './particle-simulator.js';
import { checkRolloutProblem, type RolloutWindow } from './rollout-problem.js';

/**
 * The fit's objective over a fixed set of windows: the mean particle error (metres) of the baseline's rollout,
 * averaged over every step of every window (each window weighs the same). The simulators are built once.
 */
export class BaselineObjective {
  readonly windowCount: number;
  private readonly simulators: BaselineSimulator[];
  private readonly futures: Float32Array[];
  private readonly buffers: Float32Array[];

  constructor(windows: readonly RolloutWindow[], options?: Partial<BaselineOptions>) {
    if (windows.length === 0) throw new RangeError('BaselineObjective: need at least one window');
    windows.forEach((w, i) => {
      checkRolloutProblem(w, `BaselineObjective: window ${i}`);
    });
    this.windowCount = windows.length;
    this.simulators = windows.map((w) => new BaselineSimulator(w, options));
    this.futures = windows.map((w) => w.future);
    this.buffers = windows.map((w) => new Float32Array(w.future.length));
  }

  /** Mean particle error over all windows and steps, metres. */
  error(params: BaselineParams): number {
    let sum = 0;
    for (let w = 0; w < this.simulators.length; w++) {
      const predicted = this.simulators[w].rollout(params, this.buffers[w]);
      sum += meanDistance(predicted, this.futures[w]);
    }
    return sum / this.simulators.length;
  }
}

function meanDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 3) {
    const dx = a[i] - b[i];
    const dy = a[i + 1] - b[i + 1];
    const dz = a[i + 2] - b[i + 2];
    sum += Math.sqrt(dx * dx + dy * dy + dz * dz);
  }
  return sum / (a.length / 3);
}

export interface FitBaselineOptions {
  /** Rollouts of the whole window set CMA-ES may spend (default 1500). */
  maxEvaluations?: number;
  seed?: number;
  /** CMA-ES offspring per generation (default 4 + floor(3 ln 6) = 9). */
  populationSize?: number;
  /** Where the search starts (DEFAULT_BASELINE_PARAMS). */
  initial?: BaselineParams;
  /** Initial CMA-ES step in the normalised [0, 1] parameter space (0.25). */
  initialStep?: number;
  /** The simulator's structure (DEFAULT_BASELINE_OPTIONS). */
  simulator?: Partial<BaselineOptions>;
  onProgress?: (progress: {
    generation: number;
    evaluations: number;
    error: number;
    params: BaselineParams;
  }) => void;
}

export interface BaselineFit {
  params: BaselineParams;
  options: BaselineOptions;
  /** Mean particle error of the fitted parameters on the fitting windows, and of the start point, metres. */
  error: number;
  initialError: number;
  windows: number;
  evaluations: number;
  generations: number;
  stopReason: StopReason;
}

/**
 * Fits the baseline's uniform parameters to `windows` by CMA-ES on the mean particle error, searching the
 * normalised space of baselineParamsToUnit (stiffnesses on a log scale) inside [0, 1]^6. Deterministic given the
 * seed.
 */
export function fitBaseline(
  windows: readonly RolloutWindow[],
  options: FitBaselineOptions = {},
): BaselineFit {
  const simulatorOptions = resolveBaselineOptions(options.simulator, 'fitBaseline');
  const objective = new BaselineObjective(windows, simulatorOptions);
  const initial = options.initial ?? DEFAULT_BASELINE_PARAMS;
  const x0 = baselineParamsToUnit(initial);
  const initialError = objective.error(initial);
  const dimension = BASELINE_PARAM_NAMES.length;
  const result = minimize(
    (u) => objective.error(baselineParamsFromUnit(u)),
    x0,
    options.initialStep ?? 0.25,
    {
      seed: options.seed ?? 0,
      maxEvaluations: options.maxEvaluations ?? 1500,
      populationSize: options.populationSize,
      lower: new Float64Array(dimension),
      upper: new Float64Array(dimension).fill(1),
      // Sub-micrometre improvements of a particle error are noise for a physics baseline.
      tolFun: 1e-8,
      tolX: 1e-6,
      onGeneration: ({ generation, evaluations, best }) =>
        options.onProgress?.({
          generation,
          evaluations,
          error: best.value,
          params: baselineParamsFromUnit(best.x),
        }),
    },
  );
  // The start point competes too: a fit never returns something worse than where it began.
  const fitted = result.value <= initialError ? baselineParamsFromUnit(result.x) : { ...initial };
  return {
    params: fitted,
    options: simulatorOptions,
    error: Math.min(result.value, initialError),
    initialError,
    windows: windows.length,
    evaluations: result.evaluations + 1,
    generations: result.generations,
    stopReason: result.stopReason,
  };
}
