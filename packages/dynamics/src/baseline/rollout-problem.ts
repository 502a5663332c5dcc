/**
 * One rollout to predict: the object's recent past, and where the tool goes next. Field names and layouts match
 * the dynamics training samples (dataset/training-sample.ts), so a sample plus the tool radius is a problem.
 */
export interface RolloutProblem {
  /** Object particles. */
  objectCount: number;
  /** historyFrames x objectCount x 3, oldest first, world metres (z up, table z = 0); the last is the current state. */
  history: Float32Array;
  /** (historyFrames + horizon) x 3: the tool tip (bottom centre of the vertical cylinder) at every frame. */
  tool: Float32Array;
  /** Radius of the tool cylinder, metres. */
  toolRadius: number;
}

/** A problem with its true outcome, for fitting and evaluation. */
export interface RolloutWindow extends RolloutProblem {
  /** horizon x objectCount x 3: the true particle positions after every step. */
  future: Float32Array;
}

export interface ProblemShape {
  historyFrames: number;
  horizon: number;
}

/** Checks the sizes and values of a problem (and of its truth, if any) and returns its frame counts. */
export function checkRolloutProblem(problem: RolloutProblem | RolloutWindow, caller: string): ProblemShape {
  const n = problem.objectCount;
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`${caller}: objectCount must be a positive integer, got ${n}`);
  const frameSize = 3 * n;
  if (problem.history.length === 0 || problem.history.length % frameSize !== 0)
    throw new RangeError(
      `${caller}: history must hold historyFrames x ${n} x 3 values (at least one frame), got ${problem.history.length}`,
    );
  const historyFrames = problem.history.length / frameSize;
  if (problem.tool.length % 3 !== 0 || problem.tool.length / 3 <= historyFrames)
    throw new RangeError(
      `${caller}: tool must hold (historyFrames + horizon) x 3 values with historyFrames = ${historyFrames} and horizon >= 1, got ${problem.tool.length}`,
    );
  const horizon = problem.tool.length / 3 - historyFrames;
  if (!(problem.toolRadius > 0) || !Number.isFinite(problem.toolRadius))
    throw new RangeError(
      `${caller}: toolRadius must be a positive number of metres, got ${problem.toolRadius}`,
    );
  requireFinite(problem.history, 'history', caller);
  requireFinite(problem.tool, 'tool', caller);
  if ('future' in problem) {
    if (problem.future.length !== horizon * frameSize)
      throw new RangeError(
        `${caller}: future must hold horizon x ${n} x 3 = ${horizon * frameSize} values, got ${problem.future.length}`,
      );
    requireFinite(problem.future, 'future', caller);
  }
  return { historyFrames, horizon };
}

function requireFinite(values: Float32Array, name: string, caller: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new RangeError(`${caller}: ${name}[${i}] must be finite, got ${values[i]}`);
  }
}
