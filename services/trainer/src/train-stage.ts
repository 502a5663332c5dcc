import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EPISODE_MANIFEST_FILE } from '@gsdyn/formats';
import {
  type ArtifactStore,
  getDirectory,
  IdSchema,
  IncompleteArtifactError,
  InvalidInputError,
  isArtifactComplete,
  joinKey,
  manifestMetrics,
  putDirectory,
  readArtifactManifest,
  runInChild,
  type StageHandler,
  type StageResultInput,
  siblingModule,
} from '@gsdyn/platform';
import { z } from 'zod';
import {
  type TrainComputeInput,
  type TrainComputeOutput,
  TrainComputeOutputSchema,
  type TrainComputeProgress,
  TrainComputeProgressSchema,
} from './train-compute.js';

/** What the tracker service writes into every track directory: the capture that was tracked. */
export const CAPTURE_REF_FILE = 'capture.json';
const CaptureRefSchema = z.object({ captureId: IdSchema, captureKey: z.string().min(1) }).strict();

export interface TrainStageDeps {
  store: ArtifactStore;
  tempRoot?: string;
  /** Threads of the wasm autodiff kernels in the stage process (default: every core). */
  threads?: number;
  /** Particles per episode after preprocessing (default: the library's DEFAULT_TRACK_POINTS). */
  points?: number;
  compute?: (
    input: TrainComputeInput,
    onProgress: (p: TrainComputeProgress) => void,
    signal: AbortSignal | undefined,
  ) => Promise<TrainComputeOutput>;
}

const TRAIN_CHILD = siblingModule(import.meta.url, 'train-child');

function computeInChild(
  input: TrainComputeInput,
  onProgress: (p: TrainComputeProgress) => void,
  signal: AbortSignal | undefined,
): Promise<TrainComputeOutput> {
  return runInChild(TRAIN_CHILD, input, TrainComputeOutputSchema, {
    progressSchema: TrainComputeProgressSchema,
    onProgress,
    signal,
  });
}

/** Downloads a complete artifact directory; a missing one is bad input (an earlier stage never finished it). */
async function download(store: ArtifactStore, prefix: string, dir: string, what: string): Promise<void> {
  try {
    await getDirectory(store, prefix, dir);
  } catch (error) {
    if (error instanceof IncompleteArtifactError)
      throw new InvalidInputError(`${what} ${prefix}: missing or incomplete in the store`);
    throw error;
  }
}

/**
 * Only the episode manifest of a capture (it holds the end-effector path the dataset needs), checked against the
 * capture's artifact manifest: the images stay in the store.
 */
async function downloadEpisodeManifest(store: ArtifactStore, captureKey: string, dir: string): Promise<void> {
  const manifest = await readArtifactManifest(store, captureKey);
  const entry = manifest?.files.find((f) => f.path === EPISODE_MANIFEST_FILE);
  if (manifest === undefined || entry === undefined)
    throw new InvalidInputError(
      `capture ${captureKey}: missing or incomplete in the store (no ${EPISODE_MANIFEST_FILE})`,
    );
  const body = await store.getBuffer(joinKey(captureKey, EPISODE_MANIFEST_FILE));
  const sha256 = createHash('sha256').update(body).digest('hex');
  if (sha256 !== entry.sha256)
    throw new Error(
      `${joinKey(captureKey, EPISODE_MANIFEST_FILE)}: sha256 ${sha256}, the manifest says ${entry.sha256}`,
    );
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, EPISODE_MANIFEST_FILE), body);
}

/** The last segment of a prefix (the capture id in a pipeline's layout), made unique by its position if needed. */
function inputNames(prefixes: string[]): string[] {
  const last = prefixes.map((p) => p.split('/').at(-1) ?? p);
  return last.map((n, i) => (last.indexOf(n) === i && last.lastIndexOf(n) === i ? n : `${i}-${n}`));
}

/**
 * The train stage: the track directories (the payload's trackPrefixes and, in a pipeline flow, the outputs of
 * its track children), the episode manifest of each tracked capture, a dataset and a trained model, uploaded under
 * the payload's outputPrefix. Safe to retry, like the tracker: a complete output is reused.
 */
export function createTrainHandler(deps: TrainStageDeps): StageHandler<'train'> {
  const compute = deps.compute ?? computeInChild;
  return async (ctx): Promise<StageResultInput<'train'>> => {
    const { data } = ctx;
    if (await isArtifactComplete(deps.store, data.outputPrefix)) {
      ctx.logger?.info({ outputPrefix: data.outputPrefix }, 'model already complete: reused');
      return {
        outputPrefix: data.outputPrefix,
        metrics: manifestMetrics(await readArtifactManifest(deps.store, data.outputPrefix)),
      };
    }
    const children = await ctx.childResults('track');
    const prefixes = [...new Set([...data.trackPrefixes, ...children.map((c) => c.outputPrefix)])];
    if (prefixes.length === 0)
      throw new InvalidInputError(
        'train: no track directories (give trackPrefixes, or run it in a pipeline after track jobs)',
      );
    const work = await mkdtemp(join(deps.tempRoot ?? tmpdir(), 'gsdyn-train-'));
    try {
      await ctx.progress(0, 'downloading the tracks');
      const tracks: TrainComputeInput['tracks'] = [];
      for (const [i, name] of inputNames(prefixes).entries()) {
        const trackDir = join(work, 'tracks', name);
        await download(deps.store, prefixes[i], trackDir, 'track directory');
        const refFile = join(trackDir, CAPTURE_REF_FILE);
        let ref: z.infer<typeof CaptureRefSchema>;
        try {
          ref = CaptureRefSchema.parse(JSON.parse(await readFile(refFile, 'utf8')));
        } catch (error) {
          throw new InvalidInputError(
            `track directory ${prefixes[i]}: ${CAPTURE_REF_FILE}: expected {captureId, captureKey} naming the tracked capture (${(error as Error).message})`,
          );
        }
        const episodeDir = join(work, 'episodes', name);
        await downloadEpisodeManifest(deps.store, ref.captureKey, episodeDir);
        tracks.push({ name, trackDir, episodeDir });
      }
      const modelDir = join(work, 'model');
      let reported = Promise.resolve();
      const output = await compute(
        {
          tracks,
          datasetDir: join(work, 'dataset'),
          modelDir,
          options: data.options,
          ...(deps.points ? { points: deps.points } : {}),
          ...(deps.threads ? { threads: deps.threads } : {}),
        },
        (p) => {
          const fraction =
            p.phase === 'dataset' ? 0.05 + (0.05 * p.done) / p.total : 0.1 + (0.85 * p.done) / p.total;
          const phase =
            p.phase === 'dataset'
              ? `dataset: episode ${p.done} of ${p.total}`
              : `training: step ${p.done} of ${p.total}`;
          reported = ctx
            .progress(Math.min(fraction, 0.95), phase, p.loss === undefined ? undefined : { loss: p.loss })
            .catch((error) => ctx.logger?.warn({ err: error }, 'progress update failed'));
        },
        ctx.signal,
      );
      await reported;
      await ctx.progress(0.95, 'uploading the model');
      await putDirectory(deps.store, modelDir, data.outputPrefix, { meta: output.metrics });
      await ctx.progress(1, 'done', output.metrics);
      return { outputPrefix: data.outputPrefix, metrics: output.metrics };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };
}
