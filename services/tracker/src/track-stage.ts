import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArtifactStore,
  getDirectory,
  IncompleteArtifactError,
  InvalidInputError,
  isArtifactComplete,
  manifestMetrics,
  putDirectory,
  readArtifactManifest,
  runInChild,
  type StageHandler,
  type StageResultInput,
  siblingModule,
} from '@gsdyn/platform';
import {
  type TrackComputeInput,
  type TrackComputeOutput,
  TrackComputeOutputSchema,
  type TrackComputeProgress,
  TrackComputeProgressSchema,
} from './track-compute.js';

/**
 * Written into every track directory the service uploads: which capture was tracked. Track directories record
 * the episode as a local path, which means nothing after the upload; the trainer finds the capture (for its end
 * effector) from this file.
 */
export const CAPTURE_REF_FILE = 'capture.json';

export interface TrackStageDeps {
  store: ArtifactStore;
  /** Where job directories are made (default the OS temp directory); each is removed when its job ends. */
  tempRoot?: string;
  /** Worker threads of the wasm rasteriser in the stage process (default: every core). */
  threads?: number;
  /** Runs the computation (default: in a child process, track-child). Tests may run it elsewhere. */
  compute?: (
    input: TrackComputeInput,
    onProgress: (p: TrackComputeProgress) => void,
    signal: AbortSignal | undefined,
  ) => Promise<TrackComputeOutput>;
}

const TRACK_CHILD = siblingModule(import.meta.url, 'track-child');

function computeInChild(
  input: TrackComputeInput,
  onProgress: (p: TrackComputeProgress) => void,
  signal: AbortSignal | undefined,
): Promise<TrackComputeOutput> {
  return runInChild(TRACK_CHILD, input, TrackComputeOutputSchema, {
    progressSchema: TrackComputeProgressSchema,
    onProgress,
    signal,
  });
}

/**
 * The track stage: download the capture, track it in a stage process, upload the track directory under the
 * payload's outputPrefix (atomic: complete once its manifest is written; the metrics go into the manifest's meta).
 * Safe to retry: a job whose output is already complete (an earlier attempt uploaded it and then died) returns it
 * without tracking again. A capture that is missing or not a valid episode fails the job without retries.
 */
export function createTrackHandler(deps: TrackStageDeps): StageHandler<'track'> {
  const compute = deps.compute ?? computeInChild;
  return async (ctx): Promise<StageResultInput<'track'>> => {
    const { data } = ctx;
    if (await isArtifactComplete(deps.store, data.outputPrefix)) {
      ctx.logger?.info({ outputPrefix: data.outputPrefix }, 'track output already complete: reused');
      const manifest = await readArtifactManifest(deps.store, data.outputPrefix);
      return {
        outputPrefix: data.outputPrefix,
        captureId: data.captureId,
        metrics: manifestMetrics(manifest),
      };
    }
    const work = await mkdtemp(join(deps.tempRoot ?? tmpdir(), 'gsdyn-track-'));
    try {
      await ctx.progress(0, 'downloading the capture');
      const episodeDir = join(work, 'episode');
      try {
        await getDirectory(deps.store, data.captureKey, episodeDir);
      } catch (error) {
        if (error instanceof IncompleteArtifactError)
          throw new InvalidInputError(`capture ${data.captureKey}: missing or incomplete in the store`);
        throw error;
      }
      const outDir = join(work, 'tracks');
      let reported = Promise.resolve();
      const output = await compute(
        { episodeDir, outDir, options: data.options, ...(deps.threads ? { threads: deps.threads } : {}) },
        (p) => {
          // Progress is informational: a failed update must not fail the job.
          reported = ctx
            .progress(0.02 + (0.93 * p.done) / p.total, `frame ${p.frame + 1} of ${p.frames}`, {
              loss: p.loss,
            })
            .catch((error) => ctx.logger?.warn({ err: error }, 'progress update failed'));
        },
        ctx.signal,
      );
      await reported;
      await writeFile(
        join(outDir, CAPTURE_REF_FILE),
        `${JSON.stringify({ captureId: data.captureId, captureKey: data.captureKey }, null, 2)}\n`,
      );
      await ctx.progress(0.95, 'uploading the tracks');
      await putDirectory(deps.store, outDir, data.outputPrefix, { meta: output.metrics });
      await ctx.progress(1, 'done', output.metrics);
      return { outputPrefix: data.outputPrefix, captureId: data.captureId, metrics: output.metrics };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };
}
