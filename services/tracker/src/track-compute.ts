import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EpisodeFormatError, readEpisode } from '@gsdyn/formats';
import { type TrackOptions, TrackOptionsSchema } from '@gsdyn/platform';
import {
  createWasmTileRasterizer,
  referenceTileRasterizer,
  type TileRasterizer,
  wasmAvailable,
} from '@gsdyn/splat';
import { evaluateTracks, secondsPerLaterFrame, trackEpisode, writeTrackArtifacts } from '@gsdyn/track';
import { z } from 'zod';

/** What the tracker's stage process is asked to do: track a downloaded episode into `outDir`. */
export const TrackComputeInputSchema = z
  .object({
    episodeDir: z.string().min(1),
    outDir: z.string().min(1),
    options: TrackOptionsSchema,
    /** Worker threads of the wasm rasteriser (default: every core). */
    threads: z.number().int().min(1).max(256).optional(),
  })
  .strict();
export type TrackComputeInput = z.infer<typeof TrackComputeInputSchema>;

export const TrackComputeProgressSchema = z
  .object({
    /** Iterations done and in all (trackEpisode's count: frame 0, then each later frame's alignment and own). */
    done: z.number().int().nonnegative(),
    total: z.number().int().positive(),
    frame: z.number().int().nonnegative(),
    frames: z.number().int().positive(),
    loss: z.number(),
  })
  .strict();
export type TrackComputeProgress = z.infer<typeof TrackComputeProgressSchema>;

export const TrackComputeOutputSchema = z
  .object({
    frames: z.number().int().positive(),
    gaussians: z.number().int().positive(),
    /** Scalars for the job status: timings and, when the episode has ground truth, tracking errors. */
    metrics: z.record(z.string(), z.number()),
  })
  .strict();
export type TrackComputeOutput = z.infer<typeof TrackComputeOutputSchema>;

/** The episode cannot be tracked whatever the retries: it is malformed (readEpisode refused it). */
export class BadCaptureError extends Error {
  override name = 'BadCaptureError';
}

export function isBadCapture(error: unknown): boolean {
  return (
    error instanceof BadCaptureError || error instanceof EpisodeFormatError || error instanceof z.ZodError
  );
}

function chooseRasterizer(threads: number | undefined): TileRasterizer {
  return wasmAvailable() ? createWasmTileRasterizer({ threads }) : referenceTileRasterizer;
}

/**
 * `gsdyn track` without the terminal: tracks the episode and writes the track directory (tracks, params.npz, a
 * contact sheet, the MP4 when options.video, evaluation.json when the episode has ground truth).
 */
export async function computeTracks(
  input: TrackComputeInput,
  onProgress: (progress: TrackComputeProgress) => void = () => {},
): Promise<TrackComputeOutput> {
  let episode: Awaited<ReturnType<typeof readEpisode>>;
  try {
    episode = await readEpisode(input.episodeDir);
  } catch (error) {
    throw new BadCaptureError(`the capture is not a valid episode: ${(error as Error).message}`);
  }
  const o: TrackOptions = input.options;
  const T = Math.min(o.frames ?? episode.manifest.frameCount, episode.manifest.frameCount);
  const rasterizer = chooseRasterizer(input.threads);
  try {
    const result = await trackEpisode(input.episodeDir, {
      preset: o.preset,
      itersFirst: o.itersFirst,
      iters: o.iters,
      maxGaussians: o.points,
      frames: T,
      seed: o.seed,
      depthWeight: o.depthWeight,
      alignIters: o.alignIters,
      velocityScale: o.velocityScale,
      minVisibleWeight: o.minVisibleWeight,
      neighbourSpread: o.neighbourSpread,
      occlusionAware: o.occlusionAware,
      colorOffsetOnMask: o.colorOffsetOnMask,
      rasterizer,
      onProgress: (p) =>
        onProgress({
          done: p.done,
          total: p.total,
          frame: p.frame,
          frames: p.frames,
          loss: p.loss,
        }),
    });
    const dir = await writeTrackArtifacts(input.outDir, result, episode, { rasterizer, video: o.video });
    const metrics: Record<string, number> = {
      frames: result.frames,
      gaussians: result.cloud.count,
      secondsFirstFrame: result.seconds[0],
      secondsPerFrame: secondsPerLaterFrame(result),
    };
    if (episode.manifest.truth) {
      const evaluation = await evaluateTracks(dir, input.episodeDir);
      await writeFile(join(dir, 'evaluation.json'), `${JSON.stringify(evaluation, null, 2)}\n`);
      metrics.medianTrajectoryErrorMm = evaluation.metrics3d.medianTrajectoryErrorMm;
      metrics.deltaAvg = evaluation.metrics3d.deltaAvg;
      metrics.survival = evaluation.metrics3d.survival;
    }
    for (const [k, v] of Object.entries(metrics)) if (!Number.isFinite(v)) delete metrics[k];
    return { frames: result.frames, gaussians: result.cloud.count, metrics };
  } finally {
    rasterizer.dispose?.();
  }
}
