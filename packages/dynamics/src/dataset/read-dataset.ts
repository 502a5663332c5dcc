import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type NdArray, readNpy } from '@gsdyn/formats';
import type { DynamicsObject } from '../object-config.js';
import {
  DATASET_MANIFEST_FILE,
  type DatasetManifest,
  DatasetManifestSchema,
  episodeFiles,
} from './manifest.js';
import type { DatasetSplit } from './split.js';

export interface DatasetEpisode {
  name: string;
  split: DatasetSplit;
  frames: number;
  particleCount: number;
  /** frames x particleCount x 3. */
  particles: Float32Array;
  /** frames x 3. */
  endEffector: Float32Array;
  /** windowCount x (history + horizon) frame indices. */
  windows: Int32Array;
  windowCount: number;
}

export interface Dataset {
  /** Absolute directory. */
  dir: string;
  manifest: DatasetManifest;
  object: DynamicsObject;
  history: number;
  horizon: number;
  /** In manifest (sorted) order. */
  episodes: DatasetEpisode[];
}

/** Reads and checks a dataset directory; errors name the file, the field and what was expected. */
export async function readDataset(dir: string): Promise<Dataset> {
  const root = resolve(dir);
  const file = join(root, DATASET_MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`${file}: missing (is ${root} a dataset directory written by gsdyn dataset?)`);
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: invalid JSON: ${(error as Error).message}`);
  }
  const parsed = DatasetManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  const manifest = parsed.data;
  const { history, horizon } = manifest.windows;
  const length = history + horizon;
  const episodes: DatasetEpisode[] = [];
  for (const entry of manifest.episodes) {
    const files = episodeFiles(entry.name);
    const T = entry.frames;
    const P = entry.particles;
    const particles = await readArray(root, files.particles, 'float32', [T, P, 3], '(frames, particles, 3)');
    const endEffector = await readArray(root, files.endEffector, 'float32', [T, 3], '(frames, 3)');
    const windows = await readArray(
      root,
      files.windows,
      'int32',
      [entry.windows, length],
      '(windows, history + horizon)',
    );
    const bad = windows.data.findIndex((f) => f < 0 || f >= T);
    if (bad >= 0)
      throw new Error(
        `${join(root, files.windows)}: window ${Math.floor(bad / length)} has frame ${windows.data[bad]}, expected 0..${T - 1}`,
      );
    episodes.push({
      name: entry.name,
      split: entry.split,
      frames: T,
      particleCount: P,
      particles: particles.data as Float32Array,
      endEffector: endEffector.data as Float32Array,
      windows: windows.data as Int32Array,
      windowCount: entry.windows,
    });
  }
  return { dir: root, manifest, object: manifest.object, history, horizon, episodes };
}

async function readArray(
  root: string,
  relative: string,
  dtype: 'float32' | 'int32',
  shape: number[],
  meaning: string,
): Promise<NdArray> {
  const path = join(root, relative);
  let array: NdArray;
  try {
    array = await readNpy(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`${path}: missing (listed in ${DATASET_MANIFEST_FILE})`);
    throw error;
  }
  if (array.dtype !== dtype || array.shape.join(',') !== shape.join(','))
    throw new Error(
      `${path}: ${array.dtype} (${array.shape.join(', ')}), expected ${dtype} ${meaning} = (${shape.join(', ')}) from ${DATASET_MANIFEST_FILE}`,
    );
  if (dtype === 'float32') {
    const bad = (array.data as Float32Array).findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`${path}: value ${bad} is not finite`);
  }
  return array;
}
