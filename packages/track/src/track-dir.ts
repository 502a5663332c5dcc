import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ndarray, readNpy, writeNpy } from '@gsdyn/formats';
import { type GaussianCloud, readGaussianCloud, writeGaussianCloud } from '@gsdyn/splat';
import { z } from 'zod';
import type { TrackResult } from './tracker.js';

/**
 * A track directory: what `gsdyn track` writes and `gsdyn eval-tracks` reads.
 *
 *   tracks.json      manifest (below)
 *   means.npy        float32 (T, N, 3): every Gaussian's centre at every frame, world metres. This is the track.
 *   rotations.npy    float32 (T, N, 4): normalised quaternions w x y z
 *   cloud.ply        the frame-0 Gaussians in the 3DGS PLY layout (static parameters: scales, opacities, colours, extras)
 *   losses.csv       per frame and loss term
 *   exports and pictures (params.npz, frames/*.ply, contact_sheet.png, tracks.mp4) written beside them
 */
export const TRACKS_MANIFEST_FILE = 'tracks.json';

export const TracksManifestSchema = z
  .object({
    format: z.literal('gsdyn.tracks'),
    version: z.literal(1),
    /** The episode that was tracked (as given, and absolute). */
    episode: z.string(),
    frames: z.number().int().positive(),
    gaussians: z.number().int().positive(),
    preset: z.string(),
    pixelConvention: z.enum(['opencv', '3dgs']),
    /** Options the tracker ran with (iterations, weights, seed...). */
    options: z.record(z.string(), z.unknown()),
    /** Seconds spent per frame. */
    seconds: z.array(z.number()),
    /** Final value of each loss term per frame. */
    losses: z.array(z.record(z.string(), z.number())),
  })
  .strict();
export type TracksManifest = z.infer<typeof TracksManifestSchema>;

export interface Tracks {
  dir: string;
  manifest: TracksManifest;
  /** (frames, gaussians, 3) frame-major. */
  means: Float32Array;
  /** (frames, gaussians, 4) frame-major. */
  rotations: Float32Array;
  /** The frame-0 cloud (means and rotations of frame 0; static parameters for all frames). */
  cloud: GaussianCloud;
}

export async function readTracks(dir: string): Promise<Tracks> {
  const file = join(dir, TRACKS_MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: cannot read the tracks manifest (${(error as Error).message})`);
  }
  const parsed = TracksManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  const manifest = parsed.data;
  const T = manifest.frames;
  const N = manifest.gaussians;
  const means = await readShaped(join(dir, 'means.npy'), [T, N, 3]);
  const rotations = await readShaped(join(dir, 'rotations.npy'), [T, N, 4]);
  const cloud = await readGaussianCloud(join(dir, 'cloud.ply'));
  if (cloud.count !== N)
    throw new Error(`${join(dir, 'cloud.ply')}: ${cloud.count} Gaussians, tracks.json says ${N}`);
  return { dir: resolve(dir), manifest, means, rotations, cloud };
}

async function readShaped(path: string, shape: number[]): Promise<Float32Array> {
  const a = await readNpy(path);
  if (a.dtype !== 'float32' || a.shape.join(',') !== shape.join(','))
    throw new Error(
      `${path}: expected float32 (${shape.join(', ')}), got ${a.dtype} (${a.shape.join(', ')})`,
    );
  return a.data as Float32Array;
}

/**
 * Writes a track directory atomically: everything goes into a hidden sibling, which replaces `dir` only when
 * complete. `extras` writes further files (exports, pictures) into the same temporary directory first.
 */
export async function writeTracks(
  dir: string,
  data: Omit<Tracks, 'dir'>,
  extras?: (tempDir: string) => Promise<void>,
): Promise<string> {
  const target = resolve(dir);
  const parsed = TracksManifestSchema.parse(data.manifest);
  const T = parsed.frames;
  const N = parsed.gaussians;
  if (data.means.length !== T * N * 3 || data.rotations.length !== T * N * 4 || data.cloud.count !== N)
    throw new RangeError(`writeTracks: arrays do not match ${T} frames x ${N} Gaussians`);
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.partial-${randomBytes(4).toString('hex')}`);
  await mkdir(temp);
  try {
    await writeFile(join(temp, TRACKS_MANIFEST_FILE), `${JSON.stringify(parsed, null, 2)}\n`);
    await writeNpy(join(temp, 'means.npy'), ndarray('float32', [T, N, 3], data.means));
    await writeNpy(join(temp, 'rotations.npy'), ndarray('float32', [T, N, 4], data.rotations));
    await writeGaussianCloud(join(temp, 'cloud.ply'), data.cloud);
    const terms = [...new Set(parsed.losses.flatMap((l) => Object.keys(l)))];
    const csv = [
      `frame,seconds,${terms.join(',')}`,
      ...parsed.losses.map((l, t) => [t, parsed.seconds[t] ?? '', ...terms.map((k) => l[k] ?? '')].join(',')),
    ];
    await writeFile(join(temp, 'losses.csv'), `${csv.join('\n')}\n`);
    if (extras) await extras(temp);
    await rm(target, { recursive: true, force: true });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return target;
}

/** The track directory contents of a tracker run (what `writeTracks` takes). */
export function tracksFromResult(result: TrackResult): Omit<Tracks, 'dir'> {
  return {
    manifest: {
      format: 'gsdyn.tracks',
      version: 1,
      episode: result.episode,
      frames: result.frames,
      gaussians: result.cloud.count,
      preset: result.preset.name,
      pixelConvention: result.pixelConvention,
      options: result.options,
      seconds: result.seconds,
      losses: result.losses,
    },
    means: result.means,
    rotations: result.rotations,
    cloud: result.cloud,
  };
}
