import type { GaussianCloud } from '@gsdyn/splat';

/**
 * What every export reads: the tracks of one episode as plain arrays (a `Tracks` from track-dir.ts minus its
 * manifest, with the frame count beside the arrays so callers that never touched a track directory can build one).
 */
export interface TrackArrays {
  /** (frames, N, 3) frame-major, world metres. */
  means: Float32Array;
  /** (frames, N, 4) frame-major, normalised w x y z. */
  rotations: Float32Array;
  /** The frame-0 Gaussians: static parameters (scales, opacities, colours, extras) for every frame. */
  cloud: GaussianCloud;
  frames: number;
}

/** Rejects arrays whose lengths disagree with frames x cloud.count, naming the field. */
export function checkTrackArrays(tracks: TrackArrays, what: string): void {
  const { frames, cloud } = tracks;
  const n = cloud.count;
  if (!Number.isInteger(frames) || frames < 1)
    throw new RangeError(`${what}: frames must be a positive integer, got ${frames}`);
  if (tracks.means.length !== frames * n * 3)
    throw new RangeError(
      `${what}: means has ${tracks.means.length} values, expected ${frames} frames x ${n} Gaussians x 3`,
    );
  if (tracks.rotations.length !== frames * n * 4)
    throw new RangeError(
      `${what}: rotations has ${tracks.rotations.length} values, expected ${frames} frames x ${n} Gaussians x 4`,
    );
}

/** Checks a frame index against the tracks; `what` names the caller in the message. */
export function checkFrame(frame: number, frames: number, what: string): void {
  if (!Number.isInteger(frame) || frame < 0 || frame >= frames)
    throw new RangeError(`${what}: frame ${frame} is out of range (the tracks have frames 0..${frames - 1})`);
}
