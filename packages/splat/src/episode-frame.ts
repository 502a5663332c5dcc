import type { Episode, EpisodeCamera, RgbImage } from '@gsdyn/formats';
import { backproject, Random } from '@gsdyn/geometry';

/** One frame of an episode as the optimiser sees it: per camera, the image, the mask, and the fitting target. */
export interface FrameViews {
  frame: number;
  cameras: EpisodeCamera[];
  /** Captured colour, planar RGB (3 x H x W) in [0, 1]. */
  images: Float32Array[];
  /** Object masks (H x W, 0 / 255), when the episode has them. */
  masks?: Uint8Array[];
  /** What the Gaussians must reproduce: the captured colour on black outside the mask (the masked foreground the reference trains on), or the whole image without masks. */
  targets: Float32Array[];
}

export function toPlanar(image: RgbImage): Float32Array {
  const n = image.width * image.height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[i] = image.data[3 * i] / 255;
    out[n + i] = image.data[3 * i + 1] / 255;
    out[2 * n + i] = image.data[3 * i + 2] / 255;
  }
  return out;
}

export function fromPlanar(planar: ArrayLike<number>, width: number, height: number): RgbImage {
  const n = width * height;
  const data = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++)
      data[3 * i + c] = Math.max(0, Math.min(255, Math.round(planar[c * n + i] * 255)));
  return { width, height, data };
}

export async function loadFrameViews(episode: Episode, frame: number): Promise<FrameViews> {
  const { manifest } = episode;
  if (!Number.isInteger(frame) || frame < 0 || frame >= manifest.frameCount)
    throw new RangeError(
      `${episode.dir}: frame ${frame} is out of range (the episode has ${manifest.frameCount} frames)`,
    );
  const hasMasks = manifest.images.mask !== undefined;
  const images: Float32Array[] = [];
  const masks: Uint8Array[] = [];
  const targets: Float32Array[] = [];
  for (let c = 0; c < episode.cameras.length; c++) {
    const image = toPlanar(await episode.readColor(c, frame));
    images.push(image);
    if (!hasMasks) {
      targets.push(image);
      continue;
    }
    const mask = (await episode.readMask(c, frame)).data;
    masks.push(mask);
    const n = mask.length;
    const target = new Float32Array(image.length);
    for (let i = 0; i < n; i++)
      if (mask[i]) for (let ch = 0; ch < 3; ch++) target[ch * n + i] = image[ch * n + i];
    targets.push(target);
  }
  return { frame, cameras: episode.cameras, images, masks: hasMasks ? masks : undefined, targets };
}

export interface InitialPointsOptions {
  /** At most this many points (seeded uniform subset of an even-density voxel sample). */
  maxPoints: number;
  seed: number;
  /** Keep points at least this high above the table (metres): the reference keeps points >= 1 cm from the board. */
  minHeight?: number;
}

export interface InitialPoints {
  positions: Float32Array;
  /** RGB in [0, 1]. */
  colors: Float32Array;
  source: 'point cloud' | 'masked depth';
}

/**
 * The points a fit starts from: the episode's point cloud when it has one, else every masked depth pixel of every
 * camera back-projected into the world (cropped to the workspace, above the table), thinned to `maxPoints`.
 */
export async function initialPoints(
  episode: Episode,
  views: FrameViews,
  options: InitialPointsOptions,
): Promise<InitialPoints> {
  const cloud = await episode.readPointCloud();
  if (cloud && cloud.count > 0) {
    const colors = new Float32Array(3 * cloud.count).fill(0.5);
    if (cloud.colors) for (let i = 0; i < colors.length; i++) colors[i] = cloud.colors[i] / 255;
    return { ...thin(cloud.positions, colors, options), source: 'point cloud' };
  }
  if (!episode.manifest.images.depth)
    throw new Error(`${episode.dir}: no point cloud and no depth images to initialise the Gaussians from`);
  if (!views.masks)
    throw new Error(`${episode.dir}: no point cloud and no masks to select the object's depth pixels`);
  const minHeight = options.minHeight ?? 0.005;
  const box = episode.manifest.workspace;
  const positions: number[] = [];
  const colors: number[] = [];
  for (let c = 0; c < views.cameras.length; c++) {
    const cam = views.cameras[c];
    const depth = (await episode.readDepth(c, views.frame)).data;
    const mask = views.masks[c];
    const image = views.images[c];
    const n = cam.width * cam.height;
    for (let i = 0; i < n; i++) {
      if (!mask[i] || depth[i] === 0) continue;
      const p = backproject(cam, i % cam.width, Math.floor(i / cam.width), depth[i] / 1000);
      if (p[2] < minHeight) continue;
      if (box && p.some((v, k) => v < box.min[k] || v > box.max[k])) continue;
      positions.push(p[0], p[1], p[2]);
      colors.push(image[i], image[n + i], image[2 * n + i]);
    }
  }
  if (positions.length === 0)
    throw new Error(`${episode.dir}: no masked depth pixel above the table at frame ${views.frame}`);
  return {
    ...thin(Float32Array.from(positions), Float32Array.from(colors), options),
    source: 'masked depth',
  };
}

/**
 * Even-density thinning: the first point in each cell of a voxel grid whose size is doubled until few enough cells
 * are occupied (several cameras see the same surface, so raw back-projections are densest where views overlap),
 * then a seeded uniform subset down to maxPoints.
 */
function thin(positions: Float32Array, colors: Float32Array, options: InitialPointsOptions) {
  const n = positions.length / 3;
  let voxel = 0.001;
  let keep: number[] = [];
  for (;;) {
    const seen = new Set<string>();
    keep = [];
    for (let i = 0; i < n; i++) {
      const key = `${Math.floor(positions[3 * i] / voxel)},${Math.floor(positions[3 * i + 1] / voxel)},${Math.floor(positions[3 * i + 2] / voxel)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      keep.push(i);
    }
    if (keep.length <= 2 * options.maxPoints || voxel > 0.05) break;
    voxel *= 1.5;
  }
  const rng = new Random(options.seed);
  for (let i = keep.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [keep[i], keep[j]] = [keep[j], keep[i]];
  }
  keep = keep.slice(0, options.maxPoints).sort((a, b) => a - b);
  const outP = new Float32Array(3 * keep.length);
  const outC = new Float32Array(3 * keep.length);
  keep.forEach((src, dst) => {
    outP.set(positions.subarray(3 * src, 3 * src + 3), 3 * dst);
    outC.set(colors.subarray(3 * src, 3 * src + 3), 3 * dst);
  });
  return { positions: outP, colors: outC };
}
