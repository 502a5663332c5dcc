import { Random } from '@gsdyn/geometry';
import type { BaselineParams } from '../baseline/baseline-params.js';
import { baselineRollout } from '../baseline/baseline-rollout.js';
import { type BaselineFit, fitBaseline } from '../baseline/fit-baseline.js';
import type { RolloutWindow } from '../baseline/rollout-problem.js';
import { chooseWindows } from '../dataset/choose-windows.js';
import type { Dataset, DatasetEpisode } from '../dataset/read-dataset.js';
import { splitWindows, type TrainingSample, trainingSample } from '../dataset/training-sample.js';
import { sampleControlParticles } from '../graph/sample-particles.js';
import { chamferDistance } from '../metrics/chamfer-distance.js';
import { earthMoversDistance } from '../metrics/earth-movers-distance.js';
import { meanParticleError } from '../metrics/particle-error.js';
import type { PropNetModel } from '../model/model-dir.js';
import type { DisplacementRunner } from '../onnx/session.js';
import { type RolloutStart, referenceRunner, rolloutModel } from '../rollout/model-rollout.js';

export interface EvaluateDynamicsOptions {
  seed?: number;
  /** Validation windows evaluated at most (a seeded choice when there are more). */
  maxWindows?: number;
  /** Radius of the pushing cylinder for the physics baseline, metres (the simulator's 0.015). */
  toolRadius?: number;
  /** Use these baseline parameters instead of fitting them. */
  baselineParams?: BaselineParams;
  /** Training windows the baseline is fitted on, and the CMA-ES budget (rollouts of that window set). */
  baselineFitWindows?: number;
  baselineEvaluations?: number;
  /** Runs the network (default: the TypeScript reference forward). */
  runner?: DisplacementRunner;
  onProgress?: (stage: 'baseline' | 'model' | 'metrics', done: number, total: number) => void;
}

/** Errors of one method, millimetres (means over the rollouts). */
export interface MethodScores {
  /** Mean particle error after 1 step, after `horizon` steps (the training horizon), and at the end of each episode. */
  errorStep1Mm: number;
  errorHorizonMm: number;
  errorEpisodeMm: number;
  /** Chamfer distance and exact EMD between predicted and true particles at the end of each push. */
  chamferMm: number;
  emdMm: number;
  /**
   * The same after `horizon` steps over the pushes that move the object (some particle ends more than
   * MOVING_PUSH_M from where it started): where dynamics matter. Windows where the tool does not touch the object
   * reward predicting nothing, and the mean over all pushes mixes the two.
   */
  moving: { errorHorizonMm: number; chamferMm: number; emdMm: number };
}

/** A push "moves the object" when some particle ends this far (metres) from its start. */
export const MOVING_PUSH_M = 0.01;

export interface DynamicsEvaluation {
  object: string;
  horizon: number;
  /** Validation windows (pushes of `horizon` steps) and full-episode rollouts scored. */
  windows: number;
  /** Of those, the pushes that move the object (MethodScores.moving). */
  movingWindows: number;
  episodes: number;
  /** Steps of the full-episode rollouts, mean. */
  meanEpisodeSteps: number;
  model: MethodScores;
  baseline: MethodScores;
  /** Nothing moves: the scale against which both are read. */
  still: MethodScores;
  /** How the baseline's parameters were fitted; undefined when they were given. */
  baselineFit?: Omit<BaselineFit, 'options'> & { seconds: number };
  baselineParams: BaselineParams;
}

export const EVALUATE_DEFAULTS = {
  seed: 0,
  maxWindows: 200,
  toolRadius: 0.015,
  baselineFitWindows: 32,
  baselineEvaluations: 400,
} as const;

/**
 * The paper's dynamics comparison (table 2) on a dataset's validation episodes: the learned model against the
 * physics baseline with CMA-ES-fitted parameters (fitted here on training windows) and against "nothing moves".
 *
 * - Pushes: every validation window (history + horizon frames, one step per 1 cm of end-effector travel), rolled
 *   out `horizon` steps from its true history with the true end-effector path; the mean particle error after 1 and
 *   after `horizon` steps, and the Chamfer distance and exact EMD at the end of the push.
 * - Episodes: each validation episode rolled out from its first window to its last frame, one step per 1 cm of
 *   end-effector travel; the mean particle error at the end (counted as a push end for Chamfer and EMD too).
 * Control particles are sampled as in training (seeded), the same ones for every method.
 */
export async function evaluateDynamics(
  model: PropNetModel,
  dataset: Dataset,
  options: EvaluateDynamicsOptions = {},
): Promise<DynamicsEvaluation> {
  const seed = options.seed ?? EVALUATE_DEFAULTS.seed;
  const toolRadius = options.toolRadius ?? EVALUATE_DEFAULTS.toolRadius;
  const config = model.object;
  if (config.object !== dataset.object)
    throw new RangeError(
      `evaluateDynamics: the model is for ${config.object}, the dataset ${dataset.dir} is ${dataset.object}`,
    );
  if (config.history !== dataset.history || config.horizon > dataset.horizon)
    throw new RangeError(
      `evaluateDynamics: the model uses history ${config.history} and horizon ${config.horizon}; the dataset has ${dataset.history} and ${dataset.horizon}`,
    );
  let validationRefs = splitWindows(dataset, 'validation');
  if (validationRefs.length === 0)
    throw new RangeError(`${dataset.dir}: the dataset has no validation windows`);
  validationRefs = chooseWindows(
    validationRefs,
    options.maxWindows ?? EVALUATE_DEFAULTS.maxWindows,
    new Random(seed),
  );
  const rng = new Random(seed ^ 0x3e7a1);
  const pushes = validationRefs.map((ref) =>
    trimmed(trainingSample(dataset, ref, config, rng), config.horizon),
  );
  const episodes = dataset.episodes
    .filter((e) => e.split === 'validation')
    .map((e) => episodeRollout(e, config, rng));

  // Baseline parameters: fitted on training windows unless given.
  const fitStarted = performance.now();
  let baselineFit: DynamicsEvaluation['baselineFit'];
  let baselineParams: BaselineParams;
  if (options.baselineParams) {
    baselineParams = options.baselineParams;
  } else {
    const trainRefs = chooseWindows(
      splitWindows(dataset, 'train'),
      options.baselineFitWindows ?? EVALUATE_DEFAULTS.baselineFitWindows,
      new Random(seed ^ 0xba5e),
    );
    const fitRng = new Random(seed ^ 0xf17);
    const windows: RolloutWindow[] = trainRefs.map((ref) => ({
      ...trimmed(trainingSample(dataset, ref, config, fitRng), config.horizon),
      toolRadius,
    }));
    const budget = options.baselineEvaluations ?? EVALUATE_DEFAULTS.baselineEvaluations;
    const fit = fitBaseline(windows, {
      maxEvaluations: budget,
      seed,
      onProgress: (p) => options.onProgress?.('baseline', Math.min(p.evaluations, budget), budget),
    });
    baselineParams = fit.params;
    const { options: _simulator, ...rest } = fit;
    baselineFit = { ...rest, seconds: (performance.now() - fitStarted) / 1000 };
  }

  // The learned model, all rollouts batched step by step.
  const runner = options.runner ?? referenceRunner(model.params, model.config);
  const starts: RolloutStart[] = [...pushes, ...episodes];
  options.onProgress?.('model', 0, 1);
  const predicted = await rolloutModel(runner, config, starts);
  if (!options.runner) await runner.dispose();
  options.onProgress?.('model', 1, 1);

  const methods = {
    model: (i: number) => predicted[i],
    baseline: (i: number) => baselineRollout(baselineParams, { ...starts[i], toolRadius }),
    still: (i: number) => stillRollout(starts[i]),
  };
  const movingPush = pushes.map((push) => {
    const n = push.objectCount;
    const current = push.history.subarray(push.history.length - 3 * n);
    const end = push.future.subarray(push.future.length - 3 * n);
    for (let k = 0; k < n; k++)
      if (
        Math.hypot(
          end[3 * k] - current[3 * k],
          end[3 * k + 1] - current[3 * k + 1],
          end[3 * k + 2] - current[3 * k + 2],
        ) > MOVING_PUSH_M
      )
        return true;
    return false;
  });
  const scores = {} as Record<keyof typeof methods, MethodScores>;
  let done = 0;
  const total = 3 * starts.length;
  for (const [name, predict] of Object.entries(methods) as [
    keyof typeof methods,
    (i: number) => Float32Array,
  ][]) {
    const step1: number[] = [];
    const horizon: number[] = [];
    const episode: number[] = [];
    const chamfer: number[] = [];
    const emd: number[] = [];
    const moving = { horizon: [] as number[], chamfer: [] as number[], emd: [] as number[] };
    starts.forEach((start, i) => {
      const n = start.objectCount;
      const p = predict(i);
      const truth = i < pushes.length ? pushes[i].future : episodes[i - pushes.length].future;
      const steps = p.length / (3 * n);
      const at = (a: Float32Array, s: number) => a.subarray(s * n * 3, (s + 1) * n * 3);
      const last = steps - 1;
      if (i < pushes.length) {
        step1.push(meanParticleError(at(p, 0), at(truth, 0)));
        horizon.push(meanParticleError(at(p, last), at(truth, last)));
      } else episode.push(meanParticleError(at(p, last), at(truth, last)));
      const cd = chamferDistance(at(p, last), at(truth, last));
      const em = earthMoversDistance(at(p, last), at(truth, last));
      chamfer.push(cd);
      emd.push(em);
      if (i < pushes.length && movingPush[i]) {
        moving.horizon.push(meanParticleError(at(p, last), at(truth, last)));
        moving.chamfer.push(cd);
        moving.emd.push(em);
      }
      options.onProgress?.('metrics', ++done, total);
    });
    scores[name] = {
      errorStep1Mm: meanMm(step1),
      errorHorizonMm: meanMm(horizon),
      errorEpisodeMm: meanMm(episode),
      chamferMm: meanMm(chamfer),
      emdMm: meanMm(emd),
      moving: {
        errorHorizonMm: meanMm(moving.horizon),
        chamferMm: meanMm(moving.chamfer),
        emdMm: meanMm(moving.emd),
      },
    };
  }
  return {
    object: config.object,
    horizon: config.horizon,
    windows: pushes.length,
    movingWindows: movingPush.filter(Boolean).length,
    episodes: episodes.length,
    meanEpisodeSteps:
      episodes.reduce((a, e) => a + e.tool.length / 3 - config.history, 0) / Math.max(1, episodes.length),
    model: scores.model,
    baseline: scores.baseline,
    still: scores.still,
    baselineFit,
    baselineParams,
  };
}

type ScoredStart = RolloutStart & { future: Float32Array };

/** A sample cut to the model's horizon (a dataset may hold longer windows). */
function trimmed(sample: TrainingSample, horizon: number): ScoredStart {
  const n = sample.objectCount;
  const H = sample.tool.length / 3 - sample.future.length / (3 * n);
  return {
    objectCount: n,
    history: sample.history,
    future: sample.future.slice(0, horizon * n * 3),
    tool: sample.tool.slice(0, 3 * (H + horizon)),
  };
}

/**
 * A whole validation episode as one rollout: the history of its first window, then every later frame at which the
 * end effector has moved one step distance since the previous one (the last frame at 0.75 of it, as the windows).
 */
function episodeRollout(episode: DatasetEpisode, config: DatasetStepConfig, rng: Random): ScoredStart {
  const H = config.history;
  const L = episode.windows.length / episode.windowCount;
  const history = Array.from(episode.windows.subarray(0, H));
  const frames = stepFrames(episode.endEffector, history[H - 1], config.stepDistance);
  const P = episode.particleCount;
  const at = (t: number) => episode.particles.subarray(t * P * 3, (t + 1) * P * 3);
  const indices = sampleControlParticles(at(history[H - 1]), config, rng);
  const n = indices.length;
  const gather = (list: number[]) => {
    const out = new Float32Array(list.length * n * 3);
    list.forEach((t, f) => {
      const source = at(t);
      for (let i = 0; i < n; i++)
        out.set(source.subarray(3 * indices[i], 3 * indices[i] + 3), (f * n + i) * 3);
    });
    return out;
  };
  const all = [...history, ...frames];
  const tool = new Float32Array(all.length * 3);
  all.forEach((t, f) => {
    tool.set(episode.endEffector.subarray(3 * t, 3 * t + 3), 3 * f);
  });
  if (frames.length === 0 || L < H)
    throw new RangeError(`evaluateDynamics: episode ${episode.name} has no step to roll out`);
  return { objectCount: n, history: gather(history), future: gather(frames), tool };
}

type DatasetStepConfig = {
  history: number;
  stepDistance: number;
  maxParticles: number;
  vertexRadius: number;
};

/** Frames after `from` at which the end effector has moved `distance` since the previous accepted one. */
export function stepFrames(endEffector: Float32Array, from: number, distance: number): number[] {
  const T = endEffector.length / 3;
  const out: number[] = [];
  let last = from;
  const moved = (a: number, b: number) =>
    Math.hypot(
      endEffector[3 * a] - endEffector[3 * b],
      endEffector[3 * a + 1] - endEffector[3 * b + 1],
      endEffector[3 * a + 2] - endEffector[3 * b + 2],
    );
  for (let t = from + 1; t < T; t++) {
    const need = t === T - 1 ? 0.75 * distance : distance;
    if (moved(t, last) >= need * (1 - 1e-6)) {
      out.push(t);
      last = t;
    }
  }
  return out;
}

function stillRollout(start: RolloutStart): Float32Array {
  const n = start.objectCount;
  const H = start.history.length / (3 * n);
  const steps = start.tool.length / 3 - H;
  const current = start.history.subarray((H - 1) * n * 3);
  const out = new Float32Array(steps * n * 3);
  for (let s = 0; s < steps; s++) out.set(current, s * n * 3);
  return out;
}

function meanMm(values: number[]): number {
  return values.length === 0 ? Number.NaN : (1000 * values.reduce((a, b) => a + b, 0)) / values.length;
}
