import { access, readdir } from 'node:fs/promises';
import { type Mat4, mat4FromRows, multiply4, type Vec3 } from '@gsdyn/geometry';
import type { EpisodeManifest } from '../episode/manifest.js';
import { type NdArray, readNpy, toFloat64Array } from '../npy.js';

/** What every importer returns. */
export interface ImportReport {
  importer: string;
  /** Absolute path of the written episode. */
  outDir: string;
  frames: number;
  /** Camera ids in manifest order. */
  cameras: string[];
  /** Things the importer assumed or adjusted; each names the file it concerns. */
  warnings: string[];
  manifest: EpisodeManifest;
}

export type ImportProgress = (done: number, total: number) => void;

/** Options every importer takes. */
export interface CommonImportOptions {
  /** Replace an existing output directory. */
  overwrite?: boolean;
  /** Episode name (default: the source folder's name). */
  name?: string;
  object?: EpisodeManifest['object'];
}

/** Bad importer input: the message names the source file and field. */
export class ImportError extends Error {
  override name = 'ImportError';
}

/**
 * The gs-dynamics board frame has z pointing down into the table; ours has z up. A 180 degree rotation about
 * x maps one to the other and is its own inverse: p_ours = F p_board, p_board = F p_ours.
 */
export const BOARD_TO_WORLD: Mat4 = mat4FromRows([
  [1, 0, 0, 0],
  [0, -1, 0, 0],
  [0, 0, -1, 0],
  [0, 0, 0, 1],
]);

export function boardPointToWorld(p: Vec3): Vec3 {
  return [p[0], -p[1], -p[2]];
}

/** World-to-camera in our frame from one in the board frame: x_cam = E p_board = E F p_ours. */
export function boardWorldToCameraToWorld(worldToCameraBoard: Mat4): Mat4 {
  return multiply4(worldToCameraBoard, BOARD_TO_WORLD);
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function listDir(path: string, what: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImportError(
      `${path}: cannot list ${what} (${code === 'ENOENT' ? 'missing' : (err as Error).message})`,
    );
  }
}

/**
 * Reads a numeric .npy file and checks its shape (`undefined` = any size on that axis). Returns the values as
 * doubles; `expectation` explains the file's meaning in the error.
 */
export async function readNumericNpy(
  path: string,
  shape: readonly (number | undefined)[],
  expectation: string,
): Promise<{ array: NdArray; values: Float64Array }> {
  let array: NdArray;
  try {
    array = await readNpy(path);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ImportError(
      `${path}: ${missing ? 'missing' : `unreadable (${(err as Error).message})`}; expected ${expectation}`,
    );
  }
  const ok =
    array.shape.length === shape.length && shape.every((d, i) => d === undefined || array.shape[i] === d);
  if (!ok || array.dtype === 'bool')
    throw new ImportError(
      `${path}: ${array.dtype} array of shape (${array.shape.join(', ')}), expected ${expectation}`,
    );
  const values = toFloat64Array(array);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new ImportError(`${path}: value ${bad} is not finite (${values[bad]}); expected ${expectation}`);
  return { array, values };
}

/** K as the manifest wants it, from fx fy cx cy. */
export function intrinsicRows(
  fx: number,
  fy: number,
  cx: number,
  cy: number,
): [[number, 0, number], [0, number, number], [0, 0, 1]] {
  return [
    [fx, 0, cx],
    [0, fy, cy],
    [0, 0, 1],
  ];
}
