import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { encodeNpy, ndarray } from '@gsdyn/formats';
import { type DynamicsObject, objectConfig } from '../object-config.js';
import { checkEpisodeSource, type DatasetEpisodeSource } from './episode-source.js';
import {
  DATASET_FORMAT,
  DATASET_MANIFEST_FILE,
  DATASET_VERSION,
  type DatasetEpisodeEntry,
  type DatasetManifest,
  DatasetManifestSchema,
  type DatasetSourceKind,
  episodeFiles,
} from './manifest.js';
import { compareEpisodeNames, splitEpisodes } from './split.js';
import { selectWindows, type WindowOptions, type WindowPadding } from './windows.js';

export interface BuildDatasetOptions {
  object: DynamicsObject;
  source: DatasetSourceKind;
  /** Window settings; stepDistance, history and horizon default to the object's (objectConfig). */
  stepDistance?: number;
  history?: number;
  horizon?: number;
  /** Windows cut short by an end of the episode: 'repeat' a frame (the reference, default) or 'drop' them. */
  padding?: WindowPadding;
  /** Recorded in the manifest: how the particles were made. */
  preprocessing?: Record<string, unknown>;
  /** Replace an existing dataset at the output directory. */
  overwrite?: boolean;
}

export interface DatasetSummary {
  dir: string;
  manifest: DatasetManifest;
  trainWindows: number;
  validationWindows: number;
}

export interface DatasetWriter {
  /** Computes the episode's windows and writes its arrays (into the hidden temporary directory). */
  add(source: DatasetEpisodeSource): Promise<DatasetEpisodeEntry>;
  /** Splits, writes the manifest and moves the complete dataset into place. */
  commit(): Promise<DatasetSummary>;
  /** Removes the temporary directory. */
  abort(): Promise<void>;
}

/**
 * Writes a dataset episode by episode (one episode's arrays in memory at a time) into a hidden sibling directory
 * `.<name>.partial-<random>`, which becomes `outDir` only on commit: nothing half-written is ever visible there.
 */
export async function createDatasetWriter(
  outDir: string,
  options: BuildDatasetOptions,
): Promise<DatasetWriter> {
  const target = resolve(outDir);
  const defaults = objectConfig(options.object);
  const windowOptions: WindowOptions = {
    stepDistance: options.stepDistance ?? defaults.stepDistance,
    history: options.history ?? defaults.history,
    horizon: options.horizon ?? defaults.horizon,
    padding: options.padding ?? 'repeat',
  };
  if (!options.overwrite && (await exists(target)))
    throw new Error(`${target}: already exists (pass overwrite to replace it)`);
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.partial-${randomBytes(4).toString('hex')}`);
  await mkdir(temp);
  const entries: DatasetEpisodeEntry[] = [];
  let closed = false;
  const open = (what: string) => {
    if (closed) throw new Error(`dataset writer for ${target}: ${what} after commit or abort`);
  };

  return {
    async add(source) {
      open('add');
      checkEpisodeSource(source);
      if (entries.some((e) => e.name === source.name))
        throw new RangeError(`buildDataset: two episodes are named ${JSON.stringify(source.name)}`);
      const windows = selectWindows(source.endEffector, windowOptions);
      const files = episodeFiles(source.name);
      await mkdir(join(temp, dirname(files.particles)), { recursive: true });
      const length = windowOptions.history + windowOptions.horizon;
      const T = source.frames;
      const P = source.particleCount;
      await writeFile(
        join(temp, files.particles),
        encodeNpy(ndarray('float32', [T, P, 3], source.particles)),
      );
      await writeFile(
        join(temp, files.endEffector),
        encodeNpy(ndarray('float32', [T, 3], source.endEffector)),
      );
      await writeFile(
        join(temp, files.windows),
        encodeNpy(ndarray('int32', [windows.count, length], windows.frames)),
      );
      const entry: DatasetEpisodeEntry = {
        name: source.name,
        split: 'train',
        frames: T,
        particles: P,
        windows: windows.count,
        paddedWindows: windows.padded,
        origin: source.origin,
      };
      entries.push(entry);
      return entry;
    },

    async commit() {
      open('commit');
      closed = true;
      try {
        if (entries.length === 0) throw new RangeError('buildDataset: no episodes');
        entries.sort((a, b) => compareEpisodeNames(a.name, b.name));
        const splits = splitEpisodes(entries.map((e) => e.name));
        entries.forEach((e, i) => {
          e.split = splits[i];
        });
        const manifest = DatasetManifestSchema.parse({
          format: DATASET_FORMAT,
          version: DATASET_VERSION,
          object: options.object,
          source: options.source,
          windows: windowOptions,
          preprocessing: options.preprocessing ?? {},
          episodes: entries,
        });
        await writeFile(join(temp, DATASET_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
        await moveIntoPlace(temp, target, Boolean(options.overwrite));
        const count = (split: string) =>
          entries.filter((e) => e.split === split).reduce((sum, e) => sum + e.windows, 0);
        return {
          dir: target,
          manifest,
          trainWindows: count('train'),
          validationWindows: count('validation'),
        };
      } catch (error) {
        await rm(temp, { recursive: true, force: true });
        throw error;
      }
    },

    async abort() {
      closed = true;
      await rm(temp, { recursive: true, force: true });
    },
  };
}

/**
 * Builds a dataset directory from episode sources (a list, or a generator that makes them one at a time): windows
 * per episode (windows.ts), the split (split.ts), the manifest; atomically.
 */
export async function buildDataset(
  sources: Iterable<DatasetEpisodeSource> | AsyncIterable<DatasetEpisodeSource>,
  outDir: string,
  options: BuildDatasetOptions,
): Promise<DatasetSummary> {
  const writer = await createDatasetWriter(outDir, options);
  try {
    for await (const source of sources) await writer.add(source);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return writer.commit();
}

/** Renames `temp` to `target`; an existing target is moved aside first and removed after (only with overwrite). */
async function moveIntoPlace(temp: string, target: string, overwrite: boolean): Promise<void> {
  if (!(await exists(target))) {
    await rename(temp, target);
    return;
  }
  if (!overwrite) throw new Error(`${target}: already exists (pass overwrite to replace it)`);
  const old = join(dirname(target), `.${basename(target)}.old-${randomBytes(4).toString('hex')}`);
  await rename(target, old);
  try {
    await rename(temp, target);
  } catch (error) {
    await rename(old, target);
    throw error;
  }
  await rm(old, { recursive: true, force: true });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
