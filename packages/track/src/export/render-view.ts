import type { Episode, RgbImage } from '@gsdyn/formats';
import type { PinholeCamera } from '@gsdyn/geometry';
import {
  fromPlanar,
  type GaussianCloud,
  type PixelConvention,
  renderGaussians,
  type TileRasterizer,
} from '@gsdyn/splat';

/**
 * The cloud's colours rendered into a camera on black (as the tracker renders), as an 8-bit image. Extra channels
 * are dropped before rendering: the pictures show colour only, and each extra channel costs blending time.
 */
export function renderColorView(
  cloud: GaussianCloud,
  camera: PinholeCamera,
  pixelConvention: PixelConvention,
  rasterizer?: TileRasterizer,
): RgbImage {
  const colorOnly: GaussianCloud =
    cloud.extraChannels === 0 ? cloud : { ...cloud, extraChannels: 0, extras: new Float32Array(0) };
  const result = renderGaussians(colorOnly, camera, { pixelConvention, rasterizer });
  return fromPlanar(result.image, camera.width, camera.height);
}

/** Camera indices to show: the given ones, checked against the episode, or all of them. */
export function selectCameras(episode: Episode, cameras: number[] | undefined, what: string): number[] {
  const count = episode.cameras.length;
  const selected = cameras ?? Array.from({ length: count }, (_, c) => c);
  if (selected.length === 0) throw new RangeError(`${what}: no cameras selected`);
  for (const c of selected)
    if (!Number.isInteger(c) || c < 0 || c >= count)
      throw new RangeError(
        `${what}: camera index ${c} is out of range (${episode.dir} has ${count} cameras)`,
      );
  return selected;
}

/** Frames exist in both the tracks and the episode (tracks may cover a prefix of the episode). */
export function checkEpisodeFrames(episode: Episode, trackFrames: number, what: string): void {
  if (trackFrames > episode.manifest.frameCount)
    throw new RangeError(
      `${what}: the tracks have ${trackFrames} frames but the episode ${episode.dir} has ${episode.manifest.frameCount}`,
    );
}
