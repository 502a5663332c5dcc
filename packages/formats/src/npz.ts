// numpy .npz archives: a zip of .npy files, one per array, named '<key>.npy' (np.savez stores them,
// np.savez_compressed deflates them). numpy writes zip64 local headers; fflate reads the central
// directory, which numpy keeps plain, so its files load.
import { readFile, writeFile } from 'node:fs/promises';
import { unzipSync, type Zippable, zipSync } from 'fflate';
import { encodeNpy, type NdArray, parseNpy } from './npy.js';

export interface NpzOptions {
  /** Deflate each entry (np.savez_compressed); default false (stored, like np.savez). */
  compress?: boolean;
}

// The zip timestamp is fixed so the same arrays always give the same bytes (DOS time starts in 1980).
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/** Parses an .npz archive into arrays keyed as numpy keys them (entry name without '.npy'). */
export function parseNpz(bytes: Uint8Array, source = '<npz bytes>'): Record<string, NdArray> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw new Error(`${source}: not a readable .npz (zip) archive: ${(err as Error).message}`);
  }
  const arrays: Record<string, NdArray> = {};
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue; // directory entries carry no data
    if (!name.endsWith('.npy')) {
      throw new Error(
        `${source}: entry '${name}' is not a .npy array (an .npz must hold only '<key>.npy' entries)`,
      );
    }
    arrays[name.slice(0, -'.npy'.length)] = parseNpy(data, `${source}/${name}`);
  }
  return arrays;
}

export function encodeNpz(arrays: Record<string, NdArray>, options: NpzOptions = {}): Uint8Array {
  const level = options.compress ? 6 : 0;
  const files: Zippable = {};
  for (const [key, array] of Object.entries(arrays)) {
    if (key.length === 0) throw new Error('npz: array keys must be non-empty');
    try {
      files[`${key}.npy`] = [encodeNpy(array), { level, mtime: FIXED_MTIME }];
    } catch (err) {
      throw new Error(`npz: array '${key}': ${(err as Error).message}`);
    }
  }
  return zipSync(files, { level, mtime: FIXED_MTIME });
}

export async function readNpz(path: string): Promise<Record<string, NdArray>> {
  const buffer = await readFile(path);
  return parseNpz(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path);
}

export async function writeNpz(
  path: string,
  arrays: Record<string, NdArray>,
  options?: NpzOptions,
): Promise<void> {
  await writeFile(path, encodeNpz(arrays, options));
}
