// Per-frame 3DGS PLY files, the form every Gaussian viewer opens: frame t is the frame-0 cloud moved to the
// tracked means and rotations of frame t (scales, opacities and colours are static in Dyn3DGS tracking).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type GaussianCloud, writeGaussianCloud } from '@gsdyn/splat';
import { checkFrame, checkTrackArrays, type TrackArrays } from './track-arrays.js';

/** The cloud at one tracked frame; the static arrays are shared with `cloud`, means and quaternions are copies. */
export function cloudAtFrame(
  cloud: GaussianCloud,
  means: Float32Array,
  rotations: Float32Array,
  frame: number,
): GaussianCloud {
  const n = cloud.count;
  if (n === 0 || means.length % (3 * n) !== 0 || rotations.length !== (means.length / 3) * 4)
    throw new RangeError(
      `cloudAtFrame: means (${means.length} values) and rotations (${rotations.length}) do not hold whole frames of ${n} Gaussians`,
    );
  checkFrame(frame, means.length / (3 * n), 'cloudAtFrame');
  return {
    ...cloud,
    means: means.slice(frame * n * 3, (frame + 1) * n * 3),
    quaternions: rotations.slice(frame * n * 4, (frame + 1) * n * 4),
  };
}

/** `000042.ply`: zero-padded so that a directory listing sorts in frame order. */
export function framePlyName(frame: number): string {
  return `${String(frame).padStart(6, '0')}.ply`;
}

/**
 * Writes one 3DGS PLY per frame (default every frame) into `dir`, each atomically; returns the paths in the
 * order of `frames`.
 */
export async function writeFramePlys(dir: string, tracks: TrackArrays, frames?: number[]): Promise<string[]> {
  checkTrackArrays(tracks, `writeFramePlys ${dir}`);
  const selected = frames ?? Array.from({ length: tracks.frames }, (_, t) => t);
  for (const t of selected) checkFrame(t, tracks.frames, `writeFramePlys ${dir}`);
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const t of selected) {
    const path = join(dir, framePlyName(t));
    await writeGaussianCloud(path, cloudAtFrame(tracks.cloud, tracks.means, tracks.rotations, t));
    paths.push(path);
  }
  return paths;
}
