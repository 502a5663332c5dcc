import type { BaselineOptions } from './baseline-options.js';
import type { BaselineParams } from './baseline-params.js';
import { BaselineSimulator } from './particle-simulator.js';
import type { RolloutProblem } from './rollout-problem.js';

/**
 * Predicts the object's particles after every future step of `problem` with the physics baseline:
 * horizon x objectCount x 3, world metres. For many parameter sets on one problem, reuse a BaselineSimulator.
 */
export function baselineRollout(
  params: BaselineParams,
  problem: RolloutProblem,
  options?: Partial<BaselineOptions>,
): Float32Array {
  return new BaselineSimulator(problem, options).rollout(params);
}
