import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createDatasetWriter,
  createReferenceBackend,
  createWasmBackend,
  DEFAULT_TRACK_POINTS,
  DYNAMICS_OBJECTS,
  type DynamicsObject,
  endEffectorPositions,
  preprocessTracks,
  type TensorBackend,
  TRAIN_DEFAULTS,
  trainModel,
  wasmBackendUnavailableReason,
} from '@gsdyn/dynamics';
import { EPISODE_MANIFEST_FILE, EpisodeFormatError, readEpisodeManifest } from '@gsdyn/formats';
import { TrainOptionsSchema } from '@gsdyn/platform';
import { readTracks } from '@gsdyn/track';
import { z } from 'zod';

/** What the trainer's stage process is asked to do: dataset from track directories, then a trained model. */
export const TrainComputeInputSchema = z
  .object({
    /** One per capture: its track directory and a directory holding its episode manifest (the end effector). */
    tracks: z
      .array(
        z.object({ name: z.string().min(1), trackDir: z.string().min(1), episodeDir: z.string().min(1) }),
      )
      .min(1),
    datasetDir: z.string().min(1),
    modelDir: z.string().min(1),
    options: TrainOptionsSchema,
    /** Particles per episode after preprocessing (default DEFAULT_TRACK_POINTS). */
    points: z.number().int().min(1).optional(),
    /** Threads of the wasm autodiff kernels (default: every core). */
    threads: z.number().int().min(1).max(256).optional(),
  })
  .strict();
export type TrainComputeInput = z.infer<typeof TrainComputeInputSchema>;

export const TrainComputeProgressSchema = z
  .object({
    phase: z.enum(['dataset', 'train']),
    done: z.number().int().nonnegative(),
    total: z.number().int().positive(),
    loss: z.number().optional(),
  })
  .strict();
export type TrainComputeProgress = z.infer<typeof TrainComputeProgressSchema>;

export const TrainComputeOutputSchema = z.object({ metrics: z.record(z.string(), z.number()) }).strict();
export type TrainComputeOutput = z.infer<typeof TrainComputeOutputSchema>;

/** Input that no retry can fix: tracks that cannot make a dataset, an unknown object, invalid options. */
export class BadTrainingInputError extends Error {
  override name = 'BadTrainingInputError';
}

export function isBadTrainingInput(error: unknown): boolean {
  return (
    error instanceof BadTrainingInputError ||
    error instanceof EpisodeFormatError ||
    error instanceof z.ZodError ||
    // The dataset and training code raise RangeError for arguments that can never work (no opaque Gaussian,
    // a horizon longer than the dataset's): deterministic, so retrying cannot help.
    error instanceof RangeError
  );
}

function tensorBackend(threads: number | undefined): { backend: TensorBackend; dispose: () => void } {
  if (wasmBackendUnavailableReason() !== undefined)
    return { backend: createReferenceBackend(), dispose: () => {} };
  const backend = createWasmBackend({ threads });
  return { backend, dispose: () => backend.dispose() };
}

/**
 * `gsdyn dataset --source tracks` + `gsdyn train` without the terminal: the reference preprocessing of every
 * track directory, the dataset, then training. The model directory holds model.json, weights.npz, model.onnx and
 * losses.csv (the resume checkpoint is removed: a retried job starts over).
 */
export async function computeModel(
  input: TrainComputeInput,
  onProgress: (progress: TrainComputeProgress) => void = () => {},
): Promise<TrainComputeOutput> {
  const points = input.points ?? DEFAULT_TRACK_POINTS;
  const names = input.tracks.map((t) => t.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new BadTrainingInputError(`two track inputs are named ${duplicate}`);
  const loaded = [];
  for (const [i, t] of input.tracks.entries()) {
    const tracks = await readTracks(t.trackDir);
    const manifest = await readEpisodeManifest(t.episodeDir);
    const T = tracks.manifest.frames;
    const pre = preprocessTracks(tracks.means, T, tracks.manifest.gaussians, tracks.cloud.logitOpacities, {
      points,
    });
    loaded.push({
      kind: manifest.object?.kind,
      source: {
        name: t.name,
        frames: T,
        particleCount: pre.count,
        particles: pre.particles,
        endEffector: endEffectorPositions(manifest, join(t.episodeDir, EPISODE_MANIFEST_FILE), T),
        origin: { source: 'tracks', tracks: t.name, gaussians: pre.kept },
      },
    });
    onProgress({ phase: 'dataset', done: i + 1, total: input.tracks.length });
  }
  const object = chooseObject(
    input.options.object,
    loaded.map((l) => l.kind),
  );
  const writer = await createDatasetWriter(input.datasetDir, {
    object,
    source: 'tracks',
    preprocessing: {
      opacity: 'logit > 0 (opacity > 0.5)',
      outlierThreshold: 3,
      points,
      smoothingPasses: 10,
    },
  });
  try {
    for (const l of loaded) await writer.add(l.source);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const dataset = await writer.commit();

  const o = input.options;
  const { backend, dispose } = tensorBackend(input.threads);
  try {
    const summary = await trainModel(input.datasetDir, input.modelDir, {
      epochs: o.epochs,
      stepsPerEpoch: o.steps,
      batchSize: o.batch,
      hidden: o.hidden,
      lr: o.lr,
      seed: o.seed,
      backend,
      onStep: ({ epoch, step, steps, loss }) => {
        const epochs = o.epochs ?? TRAIN_DEFAULTS.epochs;
        onProgress({ phase: 'train', done: (epoch - 1) * steps + step, total: epochs * steps, loss });
      },
    });
    await rm(join(input.modelDir, 'checkpoint'), { recursive: true, force: true });
    const best = summary.epochs[summary.bestEpoch - 1];
    const metrics: Record<string, number> = {
      parameters: summary.parameters,
      epochs: summary.epochs.length,
      bestEpoch: summary.bestEpoch,
      trainLoss: best.trainLoss,
      validationLoss: best.validationLoss,
      validationErrorMm1: best.validationErrorMm[0],
      trainWindows: dataset.trainWindows,
      validationWindows: dataset.validationWindows,
      episodes: input.tracks.length,
    };
    for (const [k, v] of Object.entries(metrics)) if (!Number.isFinite(v)) delete metrics[k];
    return { metrics };
  } finally {
    dispose();
  }
}

function chooseObject(given: DynamicsObject | undefined, kinds: (string | undefined)[]): DynamicsObject {
  if (given !== undefined) return given;
  const distinct = [...new Set(kinds.map((k) => k ?? 'unknown'))];
  const [only] = distinct;
  if (distinct.length === 1 && (DYNAMICS_OBJECTS as readonly string[]).includes(only))
    return only as DynamicsObject;
  throw new BadTrainingInputError(
    `cannot tell the object from the captures (their object.kind: ${distinct.join(', ')}); set the train option object to ${DYNAMICS_OBJECTS.join(' | ')}`,
  );
}
