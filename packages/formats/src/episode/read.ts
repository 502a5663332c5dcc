import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type DepthImage,
  type GrayImage,
  type RgbImage,
  readColorImage,
  readDepthPng,
  readMaskImage,
} from '../image.js';
import { type NdArray, readNpy } from '../npy.js';
import { type PointCloud, readPointCloud } from '../ply.js';
import { cameraFromManifestEntry, type EpisodeCamera } from './camera.js';
import {
  EPISODE_MANIFEST_FILE,
  EpisodeFormatError,
  type EpisodeManifest,
  type ImageKind,
  parseManifest,
  resolveImagePath,
} from './manifest.js';

/** (frames, count, 3) float32 positions, frame-major. */
export interface PointTracks {
  frames: number;
  count: number;
  data: Float32Array;
}

export interface EpisodeTruth {
  surfacePoints: PointTracks;
  /** (frames, cameras, count) 0/1, cameras in manifest order. */
  surfaceVisibility?: Uint8Array;
  particles?: PointTracks;
}

export interface Episode {
  /** Absolute episode directory. */
  dir: string;
  manifest: EpisodeManifest;
  /** Cameras in manifest order. */
  cameras: EpisodeCamera[];
  /** Absolute path of one image. */
  imagePath(kind: ImageKind, cameraIndex: number, frame: number): string;
  readColor(cameraIndex: number, frame: number): Promise<RgbImage>;
  /** Throws when the episode has no depth (`manifest.images.depth` absent). */
  readDepth(cameraIndex: number, frame: number): Promise<DepthImage>;
  /** Throws when the episode has no masks. Values 0 / 255. */
  readMask(cameraIndex: number, frame: number): Promise<GrayImage>;
  /** Undefined when the manifest names no point cloud. */
  readPointCloud(): Promise<PointCloud | undefined>;
  /** Undefined when the manifest names no ground truth. */
  readTruth(): Promise<EpisodeTruth | undefined>;
}

/** Reads and schema-checks `<dir>/episode.json`; errors name the file and every failing field. */
export async function readEpisodeManifest(dir: string): Promise<EpisodeManifest> {
  const file = join(dir, EPISODE_MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new EpisodeFormatError(`${file}: missing (is ${dir} an episode directory?)`);
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new EpisodeFormatError(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  return parseManifest(raw, file);
}

/**
 * Opens an episode: the manifest is parsed and checked now, files are read on demand. Loaders check what
 * they read against the manifest (image size, array shapes) and name the file when it disagrees; run
 * `validateEpisode` first to learn about every problem at once.
 */
export async function readEpisode(dir: string): Promise<Episode> {
  dir = resolve(dir);
  const manifest = await readEpisodeManifest(dir);
  const cameras = manifest.cameras.map(cameraFromManifestEntry);

  const imagePath = (kind: ImageKind, cameraIndex: number, frame: number): string => {
    const camera = cameras[cameraIndex];
    if (camera === undefined)
      throw new RangeError(`camera index ${cameraIndex}: the episode ${dir} has ${cameras.length} cameras`);
    if (!Number.isInteger(frame) || frame < 0 || frame >= manifest.frameCount)
      throw new RangeError(`frame ${frame}: the episode ${dir} has frames 0..${manifest.frameCount - 1}`);
    return join(dir, resolveImagePath(manifest, kind, camera.id, frame));
  };
  const checkSize = <T extends { width: number; height: number }>(
    image: T,
    path: string,
    cameraIndex: number,
  ) => {
    const { width, height, id } = cameras[cameraIndex];
    if (image.width !== width || image.height !== height)
      throw new EpisodeFormatError(
        `${path}: image is ${image.width}x${image.height}, expected ${width}x${height} (camera ${id})`,
      );
    return image;
  };

  return {
    dir,
    manifest,
    cameras,
    imagePath,
    async readColor(cameraIndex, frame) {
      const path = imagePath('color', cameraIndex, frame);
      return checkSize(await readColorImage(path), path, cameraIndex);
    },
    async readDepth(cameraIndex, frame) {
      const path = imagePath('depth', cameraIndex, frame);
      return checkSize(await readDepthPng(path), path, cameraIndex);
    },
    async readMask(cameraIndex, frame) {
      const path = imagePath('mask', cameraIndex, frame);
      return checkSize(await readMaskImage(path), path, cameraIndex);
    },
    async readPointCloud() {
      return manifest.pointCloud === undefined ? undefined : readPointCloud(join(dir, manifest.pointCloud));
    },
    async readTruth() {
      const truth = manifest.truth;
      if (truth === undefined) return undefined;
      const T = manifest.frameCount;
      const surfacePoints = await readTracks(join(dir, truth.surfacePoints), T);
      const out: EpisodeTruth = { surfacePoints };
      if (truth.surfaceVisibility !== undefined) {
        const path = join(dir, truth.surfaceVisibility);
        const a = await readNpy(path);
        expectShape(a, path, ['uint8', 'bool'], [T, cameras.length, surfacePoints.count], '(T, C, K)');
        out.surfaceVisibility = a.data as Uint8Array;
      }
      if (truth.particles !== undefined) out.particles = await readTracks(join(dir, truth.particles), T);
      return out;
    },
  };
}

function expectShape(
  a: NdArray,
  path: string,
  dtypes: readonly string[],
  shape: readonly (number | undefined)[],
  meaning: string,
): void {
  if (!dtypes.includes(a.dtype))
    throw new EpisodeFormatError(`${path}: dtype ${a.dtype}, expected ${dtypes.join(' or ')}`);
  const ok = a.shape.length === shape.length && shape.every((d, i) => d === undefined || a.shape[i] === d);
  if (!ok)
    throw new EpisodeFormatError(
      `${path}: shape (${a.shape.join(', ')}), expected ${meaning} = (${shape.map((d) => d ?? '*').join(', ')})`,
    );
}

async function readTracks(path: string, frames: number): Promise<PointTracks> {
  const a = await readNpy(path);
  expectShape(a, path, ['float32'], [frames, undefined, 3], '(T, N, 3)');
  return { frames, count: a.shape[1], data: a.data as Float32Array };
}
