import type { Random } from '@gsdyn/geometry';
import type { GraphInput } from '../graph/graph-input.js';
import { sampleControlParticles } from '../graph/sample-particles.js';
import type { ObjectConfig } from '../object-config.js';
import type { Dataset } from './read-dataset.js';
import type { DatasetSplit } from './split.js';

/** One window of one episode. */
export interface WindowRef {
  episode: number;
  window: number;
}

/** Every window of the episodes in `split`, episode by episode. */
export function splitWindows(dataset: Dataset, split: DatasetSplit): WindowRef[] {
  const refs: WindowRef[] = [];
  dataset.episodes.forEach((e, episode) => {
    if (e.split !== split) return;
    for (let window = 0; window < e.windowCount; window++) refs.push({ episode, window });
  });
  return refs;
}

/**
 * A training sample: the window's frames restricted to the sample's control particles. The particles are chosen
 * once, on the current state (the last history frame), and stay fixed for the whole rollout of the window.
 */
export interface TrainingSample {
  episode: string;
  /** The window: history + horizon frame indices. */
  frames: Int32Array;
  /** The control particles: indices into the episode's particles. */
  particleIndices: Uint32Array;
  objectCount: number;
  /** history x objectCount x 3, oldest first; the last frame is the current state. */
  history: Float32Array;
  /** horizon x objectCount x 3: the targets of the rollout steps. */
  future: Float32Array;
  /** (history + horizon) x 3: the end effector at every frame of the window. */
  tool: Float32Array;
}

/**
 * The sample of window `ref`, with the reference's per-sample particle subsampling (sampleControlParticles:
 * farthest point sampling to maxParticles from a random start, then radius farthest point sampling at
 * vertexRadius) drawn from `rng`. No noise or rotation: augmentation is the trainer's.
 */
export function trainingSample(
  dataset: Dataset,
  ref: WindowRef,
  config: ObjectConfig,
  rng: Random,
): TrainingSample {
  const episode = dataset.episodes[ref.episode];
  if (episode === undefined)
    throw new RangeError(`trainingSample: episode ${ref.episode} of ${dataset.episodes.length}`);
  if (!Number.isInteger(ref.window) || ref.window < 0 || ref.window >= episode.windowCount)
    throw new RangeError(
      `trainingSample: window ${ref.window}, episode ${episode.name} has ${episode.windowCount} windows`,
    );
  const H = dataset.history;
  const F = dataset.horizon;
  if (config.history !== H || config.horizon !== F)
    throw new RangeError(
      `trainingSample: the config has history ${config.history} and horizon ${config.horizon}, the dataset ${H} and ${F}`,
    );
  const L = H + F;
  const frames = episode.windows.slice(ref.window * L, (ref.window + 1) * L);
  const P = episode.particleCount;
  const frameParticles = (t: number) => episode.particles.subarray(t * P * 3, (t + 1) * P * 3);
  const particleIndices = sampleControlParticles(frameParticles(frames[H - 1]), config, rng);
  const n = particleIndices.length;
  const gather = (count: number, first: number) => {
    const out = new Float32Array(count * n * 3);
    for (let f = 0; f < count; f++) {
      const source = frameParticles(frames[first + f]);
      for (let i = 0; i < n; i++)
        for (let a = 0; a < 3; a++) out[(f * n + i) * 3 + a] = source[3 * particleIndices[i] + a];
    }
    return out;
  };
  const tool = new Float32Array(L * 3);
  for (let f = 0; f < L; f++) tool.set(episode.endEffector.subarray(3 * frames[f], 3 * frames[f] + 3), 3 * f);
  return {
    episode: episode.name,
    frames,
    particleIndices,
    objectCount: n,
    history: gather(H, 0),
    future: gather(F, H),
    tool,
  };
}

/**
 * The graph input of rollout step `step` (0 = the first prediction) of a sample: `objectHistory` (history x n x 3,
 * the true history at step 0, then shifted with the predictions), the true end effector over the same frames
 * (teacher-forced tool), and the true end-effector displacement to the next frame as the action.
 */
export function rolloutGraphInput(
  sample: Pick<TrainingSample, 'objectCount' | 'tool'>,
  step: number,
  objectHistory: Float32Array,
  history: number,
): GraphInput {
  const horizon = sample.tool.length / 3 - history;
  if (!Number.isInteger(step) || step < 0 || step >= horizon)
    throw new RangeError(`rolloutGraphInput: step must be an integer in [0, ${horizon - 1}], got ${step}`);
  const toolHistory = sample.tool.slice(3 * step, 3 * (step + history));
  const now = 3 * (step + history - 1);
  const action = [0, 1, 2].map((a) => sample.tool[now + 3 + a] - sample.tool[now + a]);
  return { objectCount: sample.objectCount, objectHistory, toolHistory, action };
}
