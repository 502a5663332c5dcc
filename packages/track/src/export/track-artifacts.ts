import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Episode, encodeColorPng } from '@gsdyn/formats';
import type { TileRasterizer } from '@gsdyn/splat';
import { tracksFromResult, writeTracks } from '../track-dir.js';
import type { TrackResult } from '../tracker.js';
import { trackContactSheet } from './contact-sheet.js';
import { writeFramePlys } from './frame-ply.js';
import { writeParamsNpz } from './params-npz.js';
import { trackVideo } from './video.js';

export interface TrackArtifactOptions {
  rasterizer?: TileRasterizer;
  /** The Dyn3DGS params.npz export (default true). */
  paramsNpz?: boolean;
  /** One PLY per frame under frames/ (default false). */
  framePlys?: boolean;
  /** tracks.mp4: the Gaussians coloured by frame-0 position beside the capture (default false). */
  video?: boolean;
  /** Frames of contact_sheet.png (default: the first, a third, two thirds, the last). */
  sheetFrames?: number[];
}

/**
 * Writes a tracking result as a track directory (writeTracks) with its exports beside it, atomically: what
 * `gsdyn track`, the tracker service and the demo all write. Returns the directory.
 */
export async function writeTrackArtifacts(
  outDir: string,
  result: TrackResult,
  episode: Episode,
  options: TrackArtifactOptions = {},
): Promise<string> {
  const tracks = {
    means: result.means,
    rotations: result.rotations,
    cloud: result.cloud,
    frames: result.frames,
  };
  const T = result.frames;
  const sheetFrames = options.sheetFrames ?? [
    ...new Set([0, Math.floor(T / 3), Math.floor((2 * T) / 3), T - 1]),
  ];
  const view = { episode, tracks, pixelConvention: result.pixelConvention, rasterizer: options.rasterizer };
  return writeTracks(outDir, tracksFromResult(result), async (temp) => {
    if (options.paramsNpz ?? true) await writeParamsNpz(join(temp, 'params.npz'), tracks, result.colorAffine);
    if (options.framePlys) await writeFramePlys(join(temp, 'frames'), tracks);
    const sheet = await trackContactSheet({ ...view, frames: sheetFrames });
    await writeFile(join(temp, 'contact_sheet.png'), await encodeColorPng(sheet));
    if (options.video) await trackVideo(join(temp, 'tracks.mp4'), view);
  });
}

/** Mean seconds of the frames after frame 0 (0 when there are none). */
export function secondsPerLaterFrame(result: Pick<TrackResult, 'seconds'>): number {
  const later = result.seconds.slice(1);
  return later.length ? later.reduce((a, b) => a + b, 0) / later.length : 0;
}
