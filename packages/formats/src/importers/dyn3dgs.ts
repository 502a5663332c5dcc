import { readFile } from 'node:fs/promises';
import { basename, join, posix, resolve } from 'node:path';
import { checkRigid, mat4FromRows } from '@gsdyn/geometry';
import { z } from 'zod';
import { type EpisodeCamera, manifestCamera } from '../episode/camera.js';
import { mapLimit } from '../episode/concurrency.js';
import type { EpisodeManifest } from '../episode/manifest.js';
import { CAMERA_ID_PATTERN, formatFieldPath, relativePathProblem } from '../episode/manifest.js';
import { createEpisodeWriter } from '../episode/writer.js';
import { readImageInfo, readMaskImage } from '../image.js';
import { toFloat64Array } from '../npy.js';
import { readNpz } from '../npz.js';
import type { PointCloud } from '../ply.js';
import {
  type CommonImportOptions,
  fileExists,
  ImportError,
  type ImportProgress,
  type ImportReport,
} from './common.js';

export interface Dyn3dgsImportOptions extends CommonImportOptions {
  /** Frame rate recorded in the manifest (default 30, the CMU Panoptic rate; train_meta.json has none). */
  fps?: number;
  /** Keep only the init_pt_cld.npz points with seg = 1 (default false: keep all). */
  foregroundOnly?: boolean;
}

/** Largest difference in K or w2c across frames still treated as one fixed calibration. */
const CALIBRATION_TOLERANCE = 1e-6;
const DEFAULT_FPS = 30;

const mat = (n: number) =>
  z
    .array(
      z
        .array(z.number(), { error: `expected a row of ${n} numbers` })
        .length(n, { error: `expected a row of ${n} numbers` }),
      {
        error: `expected a ${n}x${n} matrix`,
      },
    )
    .length(n, { error: `expected a ${n}x${n} matrix` });
const perFrameCamera = <T extends z.ZodType>(item: T, what: string) =>
  z.array(z.array(item, { error: `expected [camera] ${what}` }), {
    error: `expected [frame][camera] ${what}`,
  });

const TrainMetaSchema = z.object({
  w: z.number().int().positive({ error: 'expected the image width in pixels' }),
  h: z.number().int().positive({ error: 'expected the image height in pixels' }),
  k: perFrameCamera(mat(3), '3x3 intrinsic matrices'),
  w2c: perFrameCamera(mat(4), '4x4 world-to-camera matrices'),
  fn: perFrameCamera(z.string(), 'image paths under ims/'),
  cam_id: perFrameCamera(z.union([z.string(), z.number()]), 'camera ids').optional(),
});

/**
 * Imports a Dyn3DGS sequence (`train_meta.json`, `ims/`, `seg/`, `init_pt_cld.npz`). The calibration must be
 * the same at every frame (our format has one per camera). The world frame is kept as it is
 * (`source.worldFrame = 'as-is'`): Panoptic's world is not z-up, so the z-up convention does not hold.
 */
export async function importDyn3dgs(
  srcDir: string,
  outDir: string,
  options: Dyn3dgsImportOptions = {},
  onProgress?: ImportProgress,
): Promise<ImportReport> {
  srcDir = resolve(srcDir);
  const warnings: string[] = [];
  const metaPath = join(srcDir, 'train_meta.json');
  const meta = await readTrainMeta(metaPath);
  const T = meta.fn.length;
  const C = meta.fn[0].length;

  const shapeError = (field: string, detail: string) => new ImportError(`${metaPath}: ${field}: ${detail}`);
  for (const key of ['k', 'w2c', 'cam_id'] as const) {
    const table = meta[key];
    if (table === undefined) continue;
    if (table.length !== T) throw shapeError(key, `has ${table.length} frames, fn has ${T}`);
  }
  for (let t = 0; t < T; t++)
    for (const key of ['fn', 'k', 'w2c', 'cam_id'] as const) {
      const row = meta[key]?.[t];
      if (row !== undefined && row.length !== C)
        throw shapeError(`${key}[${t}]`, `has ${row.length} cameras, expected ${C} (as fn[0])`);
    }

  const ids = cameraIds(meta, metaPath, C);
  const cameras: EpisodeCamera[] = [];
  for (let c = 0; c < C; c++) {
    for (let t = 1; t < T; t++) {
      const dk = maxDifference(meta.k[t][c], meta.k[0][c]);
      if (dk > CALIBRATION_TOLERANCE)
        throw shapeError(
          `k[${t}][${c}]`,
          `differs from k[0][${c}] by ${dk.toExponential(2)} (camera ${ids[c]}, frame ${t}); gsdyn episodes need one fixed calibration per camera`,
        );
      const dw = maxDifference(meta.w2c[t][c], meta.w2c[0][c]);
      if (dw > CALIBRATION_TOLERANCE)
        throw shapeError(
          `w2c[${t}][${c}]`,
          `differs from w2c[0][${c}] by ${dw.toExponential(2)} (camera ${ids[c]}, frame ${t}); gsdyn episodes need one fixed calibration per camera`,
        );
    }
    const K = meta.k[0][c];
    if (
      !(K[0][0] > 0 && K[1][1] > 0) ||
      K[0][1] !== 0 ||
      K[1][0] !== 0 ||
      K[2][0] !== 0 ||
      K[2][1] !== 0 ||
      K[2][2] !== 1
    )
      throw shapeError(
        `k[0][${c}]`,
        `${JSON.stringify(K)}; expected [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] with fx, fy > 0`,
      );
    const worldToCamera = mat4FromRows(meta.w2c[0][c]);
    const why = checkRigid(worldToCamera);
    if (why) throw shapeError(`w2c[0][${c}]`, `expected a rigid world-to-camera transform: ${why}`);
    cameras.push({
      id: ids[c],
      width: meta.w,
      height: meta.h,
      fx: K[0][0],
      fy: K[1][1],
      cx: K[0][2],
      cy: K[1][2],
      worldToCamera,
    });
  }

  // Images: every (frame, camera) must exist, share one extension, and match w x h.
  const items: { t: number; c: number; image: string; mask: string }[] = [];
  let extension: string | undefined;
  for (let t = 0; t < T; t++)
    for (let c = 0; c < C; c++) {
      const fn = meta.fn[t][c];
      const bad = relativePathProblem(fn);
      if (bad) throw shapeError(`fn[${t}][${c}]`, `"${fn}": ${bad}`);
      const ext = posix.extname(fn).toLowerCase();
      if (!['.jpg', '.jpeg', '.png'].includes(ext))
        throw shapeError(`fn[${t}][${c}]`, `"${fn}": expected a .jpg, .jpeg or .png image`);
      const kind = ext === '.png' ? '.png' : '.jpg';
      if (extension === undefined) extension = kind;
      else if (kind !== extension)
        throw shapeError(`fn[${t}][${c}]`, `"${fn}": colour images mix PNG and JPEG; expected one format`);
      items.push({
        t,
        c,
        image: join(srcDir, 'ims', fn),
        mask: join(srcDir, 'seg', `${fn.slice(0, fn.length - ext.length)}.png`),
      });
    }
  await mapLimit(items, 16, async ({ t, c, image }) => {
    let info: Awaited<ReturnType<typeof readImageInfo>>;
    try {
      info = await readImageInfo(image);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new ImportError(
        `${image}: ${missing ? 'missing' : `unreadable (${(err as Error).message})`}; frame ${t} of camera ${ids[c]} (fn[${t}][${c}])`,
      );
    }
    if (info.width !== meta.w || info.height !== meta.h)
      throw new ImportError(
        `${image}: ${info.width}x${info.height}, expected ${meta.w}x${meta.h} (w, h in train_meta.json)`,
      );
  });
  const maskExists = await mapLimit(items, 16, (item) => fileExists(item.mask));
  const maskCount = maskExists.filter(Boolean).length;
  if (maskCount === 0) warnings.push(`${join(srcDir, 'seg')}: no masks; the episode has no masks`);
  else if (maskCount < items.length) {
    const first = items[maskExists.indexOf(false)];
    throw new ImportError(
      `${first.mask}: missing; other frames have masks, expected one for every frame and camera`,
    );
  }
  const hasMasks = maskCount > 0;

  const cloud = await readInitCloud(
    join(srcDir, 'init_pt_cld.npz'),
    options.foregroundOnly === true,
    warnings,
  );

  const writer = await createEpisodeWriter(outDir, {
    overwrite: options.overwrite,
    colorFormat: extension === '.png' ? 'png' : 'jpg',
    cameraIds: ids,
  });
  try {
    let done = 0;
    await mapLimit(items, 16, async ({ t, c, image, mask }) => {
      await writer.copyImage('color', ids[c], t, image);
      if (hasMasks) {
        const m = await readMaskImage(mask);
        if (m.width !== meta.w || m.height !== meta.h)
          throw new ImportError(
            `${mask}: ${m.width}x${m.height}, expected ${meta.w}x${meta.h} (w, h in train_meta.json)`,
          );
        await writer.writeMask(ids[c], t, m);
      }
      onProgress?.(++done, items.length);
    });
    if (cloud) await writer.writePointCloud(cloud);
    await writer.commit({
      name: options.name ?? basename(srcDir),
      ...(options.object ? { object: options.object } : {}),
      fps: options.fps ?? DEFAULT_FPS,
      frameCount: T,
      cameras: cameras.map(manifestCamera),
      source: {
        importer: 'dyn3dgs',
        path: srcDir,
        worldFrame: 'as-is',
        foregroundOnly: options.foregroundOnly === true,
      },
    });
    const manifest = writer.manifest as EpisodeManifest;
    if (options.fps === undefined)
      warnings.push(
        `train_meta.json records no frame rate; assumed ${DEFAULT_FPS} fps (pass fps to override)`,
      );
    return { importer: 'dyn3dgs', outDir: writer.outDir, frames: T, cameras: ids, warnings, manifest };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

type TrainMeta = z.infer<typeof TrainMetaSchema>;

async function readTrainMeta(path: string): Promise<TrainMeta> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ImportError(
      `${path}: ${missing ? 'missing (expected a Dyn3DGS sequence folder)' : `invalid JSON: ${(err as Error).message}`}`,
    );
  }
  const result = TrainMetaSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues
      .slice(0, 10)
      .map((i) => `  ${formatFieldPath(i.path) || '(top level)'}: ${i.message}`);
    throw new ImportError(`${path}: not a valid Dyn3DGS train_meta.json:\n${lines.join('\n')}`);
  }
  if (result.data.fn.length === 0 || result.data.fn[0].length === 0)
    throw new ImportError(`${path}: fn: expected at least one frame and one camera`);
  return result.data;
}

function cameraIds(meta: TrainMeta, metaPath: string, C: number): string[] {
  const ids: string[] = [];
  for (let c = 0; c < C; c++) {
    const raw = meta.cam_id?.[0][c];
    for (let t = 1; t < meta.fn.length && meta.cam_id; t++)
      if (meta.cam_id[t][c] !== raw)
        throw new ImportError(
          `${metaPath}: cam_id[${t}][${c}]: ${JSON.stringify(meta.cam_id[t][c])}, expected ${JSON.stringify(raw)} as at frame 0 (camera order must not change)`,
        );
    const id = raw === undefined ? `cam${c}` : typeof raw === 'number' ? `cam${raw}` : raw;
    if (!CAMERA_ID_PATTERN.test(id) || id === '.' || id === '..')
      throw new ImportError(
        `${metaPath}: cam_id[0][${c}]: "${id}" cannot be a camera id (letters, digits, "_", ".", "-")`,
      );
    if (ids.includes(id)) throw new ImportError(`${metaPath}: cam_id[0][${c}]: duplicate camera id "${id}"`);
    ids.push(id);
  }
  return ids;
}

function maxDifference(a: number[][], b: number[][]): number {
  let worst = 0;
  for (let r = 0; r < a.length; r++)
    for (let c = 0; c < a[r].length; c++) worst = Math.max(worst, Math.abs(a[r][c] - b[r][c]));
  return worst;
}

/** init_pt_cld.npz key `data` (N, 7) = x, y, z, r, g, b (0..1), seg (0/1), as an RGB point cloud. */
async function readInitCloud(
  path: string,
  foregroundOnly: boolean,
  warnings: string[],
): Promise<PointCloud | undefined> {
  if (!(await fileExists(path))) {
    warnings.push(`${path}: missing; the episode has no initial point cloud`);
    return undefined;
  }
  let arrays: Awaited<ReturnType<typeof readNpz>>;
  try {
    arrays = await readNpz(path);
  } catch (err) {
    throw new ImportError(`${path}: unreadable: ${(err as Error).message}`);
  }
  const data = arrays.data;
  if (data === undefined)
    throw new ImportError(
      `${path}: no key "data" (has ${Object.keys(arrays).join(', ') || 'nothing'}); expected (N, 7) x, y, z, r, g, b, seg`,
    );
  if (data.shape.length !== 2 || data.shape[1] !== 7)
    throw new ImportError(
      `${path}: data has shape (${data.shape.join(', ')}), expected (N, 7) = x, y, z, r, g, b, seg`,
    );
  const values = toFloat64Array(data);
  const n = data.shape[0];
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 6; j++)
      if (!Number.isFinite(values[i * 7 + j]))
        throw new ImportError(`${path}: data[${i}][${j}] is not finite`);
    if (!foregroundOnly || values[i * 7 + 6] > 0.5) keep.push(i);
  }
  if (keep.length === 0) throw new ImportError(`${path}: no points${foregroundOnly ? ' with seg = 1' : ''}`);
  const positions = new Float32Array(keep.length * 3);
  const colors = new Uint8Array(keep.length * 3);
  keep.forEach((i, k) => {
    for (let j = 0; j < 3; j++) {
      positions[k * 3 + j] = values[i * 7 + j];
      colors[k * 3 + j] = Math.round(Math.min(1, Math.max(0, values[i * 7 + 3 + j])) * 255);
    }
  });
  return { count: keep.length, positions, colors };
}
