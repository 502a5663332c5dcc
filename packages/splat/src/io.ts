/**
 * Reading and writing GaussianClouds as files: the Inria 3DGS PLY layout (.ply, lossless for every field,
 * extras as extra_<e> properties) or the antimatter15 .splat format (.splat, lossy: colour and opacity to
 * 1/255, rotation to about 1/128; it has no room for extras, which are dropped). The format follows the
 * file extension. Writes are atomic: a temporary file in the same directory is renamed into place.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { encodeGaussianPly, encodeSplat, readGaussianPly, readSplat } from '@gsdyn/formats';
import { checkCloud, cloudFromFileData, cloudToFileData } from './cloud.js';
import type { GaussianCloud } from './types.js';

type CloudFileFormat = 'ply' | 'splat';

// Distinguishes concurrent writes of one process; the pid distinguishes processes.
let tempCounter = 0;

function formatOf(path: string, action: string): CloudFileFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.ply') return 'ply';
  if (ext === '.splat') return 'splat';
  throw new Error(
    `${path}: cannot ${action} a Gaussian cloud with extension '${ext}', expected .ply (3DGS layout) or .splat`,
  );
}

export async function readGaussianCloud(path: string): Promise<GaussianCloud> {
  const data = formatOf(path, 'read') === 'ply' ? await readGaussianPly(path) : await readSplat(path);
  return cloudFromFileData(data);
}

export async function writeGaussianCloud(path: string, c: GaussianCloud): Promise<void> {
  const format = formatOf(path, 'write');
  checkCloud(c, path);
  const data = cloudToFileData(c);
  const bytes = format === 'ply' ? encodeGaussianPly(data) : encodeSplat(data);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${tempCounter++}.tmp`);
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
