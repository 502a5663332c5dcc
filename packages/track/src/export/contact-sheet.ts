import type { Episode, RgbImage } from '@gsdyn/formats';
import { composeContactSheet } from '@gsdyn/sim';
import type { PixelConvention, TileRasterizer } from '@gsdyn/splat';
import { cloudAtFrame } from './frame-ply.js';
import { checkEpisodeFrames, renderColorView, selectCameras } from './render-view.js';
import { checkFrame, checkTrackArrays, type TrackArrays } from './track-arrays.js';

export interface TrackContactSheetInput {
  episode: Episode;
  tracks: TrackArrays;
  /** One row per frame, in this order. */
  frames: number[];
  /** Camera indices (default all). */
  cameras?: number[];
  /** The convention the tracker rendered with (the track manifest records it). */
  pixelConvention: PixelConvention;
  rasterizer?: TileRasterizer;
}

/**
 * The still a person checks a tracking run with: one row per frame, and per camera two tiles side by side, the
 * tracked Gaussians rendered in their own colours ("camN t=F render") and the captured image ("captured").
 */
export async function trackContactSheet(input: TrackContactSheetInput): Promise<RgbImage> {
  const { episode, tracks, frames } = input;
  const what = 'trackContactSheet';
  checkTrackArrays(tracks, what);
  checkEpisodeFrames(episode, tracks.frames, what);
  const cameras = selectCameras(episode, input.cameras, what);
  if (frames.length === 0) throw new RangeError(`${what}: no frames selected`);
  for (const t of frames) checkFrame(t, tracks.frames, what);
  const rows = [];
  for (const t of frames) {
    const cloud = cloudAtFrame(tracks.cloud, tracks.means, tracks.rotations, t);
    const captured = await Promise.all(cameras.map((c) => episode.readColor(c, t)));
    rows.push(
      cameras.flatMap((c, k) => [
        {
          image: renderColorView(cloud, episode.cameras[c], input.pixelConvention, input.rasterizer),
          label: `${episode.cameras[c].id} t=${t} render`,
        },
        { image: captured[k], label: 'captured' },
      ]),
    );
  }
  return composeContactSheet(rows);
}
