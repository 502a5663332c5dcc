import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { checkRigid, type Vec3 } from '@gsdyn/geometry';
import { type EpisodeCamera, manifestCamera } from '../episode/camera.js';
import { mapLimit } from '../episode/concurrency.js';
import type { EpisodeManifest } from '../episode/manifest.js';
import { createEpisodeWriter } from '../episode/writer.js';
import { readImageInfo, readMaskImage } from '../image.js';
import {
  boardWorldToCameraToWorld,
  type CommonImportOptions,
  fileExists,
  ImportError,
  type ImportProgress,
  type ImportReport,
  listDir,
  readNumericNpy,
} from './common.js';
import {
  GS_DYNAMICS_BASE_ROTATION,
  GS_DYNAMICS_BASE_TRANSLATION,
  GS_DYNAMICS_EEF_OFFSET,
  xarmPusherPoint,
} from './xarm-pose.js';

export interface GsDynamicsImportOptions extends CommonImportOptions {
  /** Capture rate (default 15, the gs-dynamics RealEnv rate). */
  fps?: number;
  /** Flange-to-pusher distance along the flange z axis, metres (default 0.17, as used for training). */
  eefOffset?: number;
  /** Pusher radius written to the manifest, metres (default 0.01: the reference does not record it). */
  eefRadius?: number;
  /** Robot base to board rotation, 9 numbers row-major (default diag(1, -1, -1)). */
  baseRotation?: readonly number[];
  /** Robot base to board translation, metres (default (-0.095, 0.085, -0.01)). */
  baseTranslation?: readonly number[];
}

/** The reference crop box (board x [0, 0.6], y [-0.35, 0.45], z [-0.10, 0.05]) in our frame (y, z negated). */
export const GS_DYNAMICS_WORKSPACE = { min: [0, -0.45, -0.05] as Vec3, max: [0.6, 0.35, 0.1] as Vec3 };
const DEFAULT_EEF_RADIUS = 0.01;
/** The reference aligns actions to frames by dropping at most this many extra lines. */
const MAX_EXTRA_ACTION_LINES = 10;
const COLOR_FILE = /^(\d{6})\.(jpg|jpeg|png)$/;

type MaskSource = 'seg' | 'label';

interface SourceCamera {
  id: string;
  dir: string;
  camera: Omit<EpisodeCamera, 'width' | 'height'>;
  /** frame -> colour file name, frames 0..n-1 contiguous */
  colorFiles: string[];
  files: Set<string>;
  segFiles: Set<string>;
}

/**
 * Imports a gs-dynamics raw episode (`camera_<n>/` folders + `actions.txt`). Colour and depth files are
 * copied unchanged; masks are rewritten as 0/255 PNGs; cameras, end effector and workspace are converted
 * from the board frame (z down) to ours (z up) by a 180 degree rotation about x.
 */
export async function importGsDynamics(
  srcDir: string,
  outDir: string,
  options: GsDynamicsImportOptions = {},
  onProgress?: ImportProgress,
): Promise<ImportReport> {
  srcDir = resolve(srcDir);
  const warnings: string[] = [];
  const geometry = pusherGeometry(options);

  const entries = await listDir(srcDir, 'the gs-dynamics episode');
  const cameraDirs = entries
    .map((name) => ({ name, n: /^camera_(\d+)$/.exec(name) }))
    .filter((e): e is { name: string; n: RegExpExecArray } => e.n !== null)
    .sort((a, b) => Number(a.n[1]) - Number(b.n[1]))
    .map((e) => e.name);
  if (cameraDirs.length === 0)
    throw new ImportError(
      `${srcDir}: no camera_<n> folders (expected a gs-dynamics episode: camera_0 .. camera_N, actions.txt)`,
    );

  const cameras = await Promise.all(cameraDirs.map((name) => readSourceCamera(join(srcDir, name), name)));
  const counts = cameras.map((c) => c.colorFiles.length);
  const frameCount = Math.min(...counts);
  if (frameCount === 0) {
    const empty = cameras[counts.indexOf(0)];
    throw new ImportError(
      `${join(empty.dir, '000000.jpg')}: missing (camera ${empty.id} has no colour frames)`,
    );
  }
  if (counts.some((n) => n !== frameCount))
    warnings.push(
      `cameras have different frame counts (${cameras.map((c, i) => `${c.id}: ${counts[i]}`).join(', ')}); importing the first ${frameCount} frames of each`,
    );

  const colorFormat = checkColorFormat(cameras, frameCount);
  const hasDepth = decideDepth(cameras, frameCount, warnings);
  const masks = decideMasks(cameras, frameCount, warnings);
  const sizes = await checkImageHeaders(cameras, frameCount, hasDepth);
  const eefPositions = await readActions(join(srcDir, 'actions.txt'), frameCount, geometry, warnings);

  const episodeCameras: EpisodeCamera[] = cameras.map((c, i) => ({ ...c.camera, ...sizes[i] }));
  const writer = await createEpisodeWriter(outDir, {
    overwrite: options.overwrite,
    colorFormat,
    cameraIds: cameras.map((c) => c.id),
  });
  try {
    interface Job {
      cam: number;
      frame: number;
      kind: 'color' | 'depth' | 'mask';
    }
    const jobs: Job[] = [];
    for (let cam = 0; cam < cameras.length; cam++)
      for (let frame = 0; frame < frameCount; frame++) {
        jobs.push({ cam, frame, kind: 'color' });
        if (hasDepth) jobs.push({ cam, frame, kind: 'depth' });
        if (masks) jobs.push({ cam, frame, kind: 'mask' });
      }
    let done = 0;
    await mapLimit(jobs, 16, async ({ cam, frame, kind }) => {
      const c = cameras[cam];
      const name = String(frame).padStart(6, '0');
      if (kind === 'color') await writer.copyImage('color', c.id, frame, join(c.dir, c.colorFiles[frame]));
      else if (kind === 'depth')
        await writer.copyImage('depth', c.id, frame, join(c.dir, `${name}_depth.png`));
      else {
        const path =
          masks?.[cam] === 'seg' ? join(c.dir, 'seg', `seg_${name}.png`) : join(c.dir, `mask_${name}.png`);
        const mask = await readMaskImage(path);
        if (mask.width !== sizes[cam].width || mask.height !== sizes[cam].height)
          throw new ImportError(
            `${path}: mask is ${mask.width}x${mask.height}, expected ${sizes[cam].width}x${sizes[cam].height} like the colour images`,
          );
        await writer.writeMask(c.id, frame, mask);
      }
      onProgress?.(++done, jobs.length);
    });
    await writer.commit({
      name: options.name ?? basename(srcDir),
      ...(options.object ? { object: options.object } : {}),
      fps: options.fps ?? 15,
      frameCount,
      cameras: episodeCameras.map(manifestCamera),
      ...(eefPositions
        ? { endEffector: { radius: options.eefRadius ?? DEFAULT_EEF_RADIUS, positions: eefPositions } }
        : {}),
      workspace: GS_DYNAMICS_WORKSPACE,
      source: {
        importer: 'gs-dynamics',
        path: srcDir,
        worldFrame: 'board frame rotated 180 degrees about x: (x, y, z)_ours = (x, -y, -z)_board',
        eefOffset: geometry.offset,
        baseRotation: [...geometry.baseRotation],
        baseTranslation: [...geometry.baseTranslation],
        masks: masks ? [...new Set(masks)].join(',') : 'none',
      },
    });
    const manifest = writer.manifest as EpisodeManifest;
    return {
      importer: 'gs-dynamics',
      outDir: writer.outDir,
      frames: frameCount,
      cameras: cameras.map((c) => c.id),
      warnings,
      manifest,
    };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

function pusherGeometry(options: GsDynamicsImportOptions) {
  const baseRotation = options.baseRotation ?? GS_DYNAMICS_BASE_ROTATION;
  const baseTranslation = options.baseTranslation ?? GS_DYNAMICS_BASE_TRANSLATION;
  const offset = options.eefOffset ?? GS_DYNAMICS_EEF_OFFSET;
  if (baseRotation.length !== 9 || !baseRotation.every(Number.isFinite))
    throw new ImportError(
      `option baseRotation: expected 9 finite numbers (row-major 3x3), got ${baseRotation.length}`,
    );
  const rigid = checkRigid(
    Float64Array.of(
      ...baseRotation.slice(0, 3),
      0,
      ...baseRotation.slice(3, 6),
      0,
      ...baseRotation.slice(6, 9),
      0,
      0,
      0,
      0,
      1,
    ),
  );
  if (rigid) throw new ImportError(`option baseRotation: expected a rotation matrix: ${rigid}`);
  if (baseTranslation.length !== 3 || !baseTranslation.every(Number.isFinite))
    throw new ImportError(
      `option baseTranslation: expected 3 finite numbers (metres), got ${baseTranslation.length}`,
    );
  if (!Number.isFinite(offset)) throw new ImportError(`option eefOffset: expected a finite number of metres`);
  return {
    offset,
    baseRotation,
    baseTranslation: [baseTranslation[0], baseTranslation[1], baseTranslation[2]] as Vec3,
  };
}

async function readSourceCamera(dir: string, id: string): Promise<SourceCamera> {
  const params = await readNumericNpy(
    join(dir, 'camera_params.npy'),
    [4],
    '(4,) float [fx, fy, cx, cy] of the colour stream',
  );
  const [fx, fy, cx, cy] = params.values;
  if (!(fx > 0 && fy > 0))
    throw new ImportError(
      `${join(dir, 'camera_params.npy')}: fx = ${fx}, fy = ${fy}; expected positive focal lengths`,
    );
  const extrinsics = await readNumericNpy(
    join(dir, 'camera_extrinsics.npy'),
    [4, 4],
    '(4, 4) world-to-camera in the board frame (OpenCV axes, metres)',
  );
  const why = checkRigid(extrinsics.values);
  if (why)
    throw new ImportError(
      `${join(dir, 'camera_extrinsics.npy')}: expected a rigid world-to-camera transform: ${why}`,
    );

  const files = new Set(await listDir(dir, `camera folder ${id}`));
  const byFrame = new Map<number, string>();
  for (const name of files) {
    const m = COLOR_FILE.exec(name);
    if (m) byFrame.set(Number(m[1]), name);
  }
  const colorFiles: string[] = [];
  while (byFrame.has(colorFiles.length)) colorFiles.push(byFrame.get(colorFiles.length) as string);
  const segDir = join(dir, 'seg');
  const segFiles =
    (await fileExists(segDir)) && (await stat(segDir)).isDirectory()
      ? new Set(await listDir(segDir, 'masks'))
      : new Set<string>();
  return {
    id,
    dir,
    camera: { id, fx, fy, cx, cy, worldToCamera: boardWorldToCameraToWorld(extrinsics.values) },
    colorFiles,
    files,
    segFiles,
  };
}

function checkColorFormat(cameras: SourceCamera[], frameCount: number): 'png' | 'jpg' {
  const formatOf = (name: string) => (name.endsWith('.png') ? 'png' : 'jpg');
  const format = formatOf(cameras[0].colorFiles[0]);
  for (const c of cameras)
    for (let f = 0; f < frameCount; f++)
      if (formatOf(c.colorFiles[f]) !== format)
        throw new ImportError(
          `${join(c.dir, c.colorFiles[f])}: colour frames mix PNG and JPEG (${cameras[0].colorFiles[0]} is ${format}); expected one format`,
        );
  return format;
}

function frameName(frame: number): string {
  return String(frame).padStart(6, '0');
}

function decideDepth(cameras: SourceCamera[], frameCount: number, warnings: string[]): boolean {
  const missing = cameras.map((c) => {
    for (let f = 0; f < frameCount; f++)
      if (!c.files.has(`${frameName(f)}_depth.png`)) return join(c.dir, `${frameName(f)}_depth.png`);
    return undefined;
  });
  const anyDepth = cameras.some((c) => [...c.files].some((n) => n.endsWith('_depth.png')));
  if (!anyDepth) {
    warnings.push('no <frame>_depth.png files in any camera folder: the episode has no depth');
    return false;
  }
  const first = missing.find((m) => m !== undefined);
  if (first)
    throw new ImportError(`${first}: missing (other frames have depth; expected depth for every frame)`);
  return true;
}

function decideMasks(
  cameras: SourceCamera[],
  frameCount: number,
  warnings: string[],
): MaskSource[] | undefined {
  const sources = cameras.map((c): MaskSource | undefined => {
    const all = (has: (f: string) => boolean) =>
      Array.from({ length: frameCount }, (_, f) => frameName(f)).every(has);
    if (all((f) => c.segFiles.has(`seg_${f}.png`))) return 'seg';
    if (all((f) => c.files.has(`mask_${f}.png`))) return 'label';
    return undefined;
  });
  if (sources.every((s) => s !== undefined)) return sources as MaskSource[];
  const anyMask = cameras.some(
    (c) => c.segFiles.size > 0 || [...c.files].some((n) => /^mask_\d{6}\.png$/.test(n)),
  );
  if (!anyMask) {
    warnings.push('no seg/seg_<frame>.png or mask_<frame>.png files: the episode has no masks');
    return undefined;
  }
  const lacking = cameras[sources.indexOf(undefined)];
  for (let f = 0; f < frameCount; f++)
    if (!lacking.segFiles.has(`seg_${frameName(f)}.png`) && !lacking.files.has(`mask_${frameName(f)}.png`))
      throw new ImportError(
        `${join(lacking.dir, 'seg', `seg_${frameName(f)}.png`)}: missing (nor mask_${frameName(f)}.png); other frames or cameras have masks, expected one for every frame`,
      );
  throw new ImportError(
    `${join(lacking.dir, 'seg')}: masks are split between seg/seg_<frame>.png and mask_<frame>.png; expected one kind per camera`,
  );
}

/** Colour sizes must agree within a camera; depth must be 16-bit grey of the same size. */
async function checkImageHeaders(cameras: SourceCamera[], frameCount: number, hasDepth: boolean) {
  return Promise.all(
    cameras.map(async (c) => {
      const frames = Array.from({ length: frameCount }, (_, f) => f);
      const color = await mapLimit(frames, 16, (f) => readImageInfo(join(c.dir, c.colorFiles[f])));
      const { width, height } = color[0];
      color.forEach((info, f) => {
        if (info.width !== width || info.height !== height)
          throw new ImportError(
            `${join(c.dir, c.colorFiles[f])}: ${info.width}x${info.height}, expected ${width}x${height} like ${c.colorFiles[0]}`,
          );
        if (info.bitDepth !== 8)
          throw new ImportError(`${join(c.dir, c.colorFiles[f])}: expected an 8-bit colour image`);
      });
      if (hasDepth) {
        const depth = await mapLimit(frames, 16, (f) =>
          readImageInfo(join(c.dir, `${frameName(f)}_depth.png`)),
        );
        depth.forEach((info, f) => {
          const path = join(c.dir, `${frameName(f)}_depth.png`);
          if (info.format !== 'png' || info.bitDepth !== 16 || info.channels !== 1)
            throw new ImportError(
              `${path}: ${info.bitDepth}-bit ${info.channels}-channel ${info.format}; expected a 16-bit single-channel PNG (uint16 millimetres)`,
            );
          if (info.width !== width || info.height !== height)
            throw new ImportError(
              `${path}: ${info.width}x${info.height}, expected ${width}x${height} (aligned to colour)`,
            );
        });
      }
      return { width, height };
    }),
  );
}

/**
 * One pusher point per frame from actions.txt (line i = frame i). Count mismatches follow the reference:
 * missing lines are padded at the front with the first line; a few extra lines are dropped from the front.
 */
async function readActions(
  path: string,
  frameCount: number,
  geometry: ReturnType<typeof pusherGeometry>,
  warnings: string[],
): Promise<Vec3[] | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    warnings.push(`${path}: missing; the episode has no end-effector positions`);
    return undefined;
  }
  const poses: number[][] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch (err) {
      throw new ImportError(`${path} line ${i + 1}: invalid JSON: ${(err as Error).message}`);
    }
    const pose = (entry as { pose?: unknown } | null)?.pose;
    if (
      !Array.isArray(pose) ||
      pose.length < 6 ||
      !pose.slice(0, 6).every((v) => typeof v === 'number' && Number.isFinite(v))
    )
      throw new ImportError(
        `${path} line ${i + 1}: pose: expected [x, y, z (mm), roll, pitch, yaw (degrees)], got ${JSON.stringify(pose)}`,
      );
    poses.push(pose.slice(0, 6) as number[]);
  });
  if (poses.length === 0) throw new ImportError(`${path}: no actions (expected one JSON line per frame)`);
  if (poses.length < frameCount) {
    warnings.push(
      `${path}: ${poses.length} lines for ${frameCount} frames; padded the front with ${frameCount - poses.length} copies of the first line (as the reference does)`,
    );
    while (poses.length < frameCount) poses.unshift(poses[0]);
  } else if (poses.length > frameCount) {
    const extra = poses.length - frameCount;
    if (extra > MAX_EXTRA_ACTION_LINES)
      throw new ImportError(
        `${path}: ${poses.length} lines for ${frameCount} frames (${extra} extra, more than ${MAX_EXTRA_ACTION_LINES}); cannot tell which lines belong to which frames`,
      );
    warnings.push(
      `${path}: ${poses.length} lines for ${frameCount} frames; dropped the first ${extra} lines (the reference truncates when the counts differ)`,
    );
    poses.splice(0, extra);
  }
  return poses.map((pose) => xarmPusherPoint(pose, geometry));
}
