import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { type ImageInfo, readImageInfo } from '../image.js';
import { type NdArray, parseNpy, toFloat64Array } from '../npy.js';
import { readPointCloud } from '../ply.js';
import { mapLimit } from './concurrency.js';
import { jsonErrorLocation } from './json-error.js';
import {
  CameraSchema,
  crossFieldIssues,
  EPISODE_MANIFEST_FILE,
  EpisodeManifestSchema,
  fillTemplate,
  formatFieldPath,
  type ImageKind,
  ImagePathsSchema,
  type ManifestIssue,
  manifestFields,
  manifestIssues,
  TruthPathsSchema,
} from './manifest.js';

/** One thing wrong with an episode, self-contained enough to print as a line. */
export interface EpisodeProblem {
  /** Path relative to the episode dir ('episode.json' for the manifest, '.' for the dir itself). */
  file: string;
  /** Manifest field the problem concerns, e.g. `cameras[1].K[0][0]` or `images.depth`. */
  field?: string;
  message: string;
}

export interface ValidateEpisodeOptions {
  onProgress?: (done: number, total: number) => void;
  /** Files read at once (default 16). */
  concurrency?: number;
}

/** Problems listed per (kind, camera) before the rest are summarised as "... and N more". */
const MAX_LISTED = 10;

const KIND_NAMES: Record<ImageKind, string> = { color: 'colour', depth: 'depth', mask: 'mask' };

export function formatProblem(p: EpisodeProblem): string {
  return `${p.file}${p.field ? ` (${p.field})` : ''}: ${p.message}`;
}

export function formatProblems(problems: readonly EpisodeProblem[]): string {
  return problems.map((p) => `  ${formatProblem(p)}`).join('\n');
}

/** The parts of a manifest the file checks need; salvaged field by field when the whole fails the schema. */
interface CheckableManifest {
  frameCount?: number;
  cameraCount?: number;
  cameras: { index: number; id: string; width: number; height: number }[];
  images: Partial<Record<ImageKind, string>>;
  pointCloud?: string;
  truth: { surfacePoints?: string; surfaceVisibility?: string; particles?: string };
}

function pick<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  value: unknown,
) {
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function salvage(raw: Record<string, unknown>): { parts: CheckableManifest; issues: ManifestIssue[] } {
  const frameCount = pick(manifestFields.frameCount, raw.frameCount);
  const rawCameras = Array.isArray(raw.cameras) ? raw.cameras : [];
  const cameras: CheckableManifest['cameras'] = [];
  const ids: (string | undefined)[] = [];
  rawCameras.forEach((c, index) => {
    const cam = isRecord(c) ? c : {};
    const id = pick(CameraSchema.shape.id, cam.id);
    const width = pick(CameraSchema.shape.width, cam.width);
    const height = pick(CameraSchema.shape.height, cam.height);
    ids.push(id);
    if (id !== undefined && width !== undefined && height !== undefined)
      cameras.push({ index, id, width, height });
  });
  const rawImages = isRecord(raw.images) ? raw.images : {};
  const images: CheckableManifest['images'] = {};
  for (const kind of ['color', 'depth', 'mask'] as const) {
    const t = pick(ImagePathsSchema.shape[kind], rawImages[kind]);
    if (t !== undefined) images[kind] = t;
  }
  const rawTruth = isRecord(raw.truth) ? raw.truth : {};
  const truth: CheckableManifest['truth'] = {};
  for (const key of ['surfacePoints', 'surfaceVisibility', 'particles'] as const) {
    const p = pick(TruthPathsSchema.shape[key], rawTruth[key]);
    if (p !== undefined) truth[key] = p;
  }
  const eef = isRecord(raw.endEffector) ? raw.endEffector : undefined;
  const issues = crossFieldIssues({
    frameCount,
    cameraIds: ids,
    endEffectorPositions: eef && Array.isArray(eef.positions) ? eef.positions.length : undefined,
  });
  return {
    parts: {
      frameCount,
      cameraCount: Array.isArray(raw.cameras) ? raw.cameras.length : undefined,
      cameras,
      images,
      pointCloud: pick(manifestFields.pointCloud, raw.pointCloud),
      truth,
    },
    issues,
  };
}

/**
 * Checks an episode directory against format v1 and returns every problem found (empty = valid): the
 * manifest's schema, then every file it implies (existence, image headers, truth arrays, point cloud). It
 * never throws for bad content; each problem names the file relative to `dir` and the manifest field.
 */
export async function validateEpisode(
  dir: string,
  options: ValidateEpisodeOptions = {},
): Promise<EpisodeProblem[]> {
  const problems: EpisodeProblem[] = [];
  try {
    if (!(await stat(dir)).isDirectory())
      return [{ file: '.', message: `${dir} is not a directory (an episode is a directory)` }];
  } catch {
    return [{ file: '.', message: `episode directory ${dir} does not exist` }];
  }

  let text: string;
  try {
    text = await readFile(join(dir, EPISODE_MANIFEST_FILE), 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return [
      {
        file: EPISODE_MANIFEST_FILE,
        message: missing
          ? `missing: every episode needs a manifest at ${join(dir, EPISODE_MANIFEST_FILE)}`
          : `cannot read the manifest: ${(err as Error).message}`,
      },
    ];
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const at = jsonErrorLocation(text, err as Error);
    const where = at ? ` at line ${at.line}, column ${at.column}` : '';
    return [{ file: EPISODE_MANIFEST_FILE, message: `invalid JSON${where}: ${(err as Error).message}` }];
  }
  if (!isRecord(raw))
    return [{ file: EPISODE_MANIFEST_FILE, message: 'expected a JSON object at the top level' }];

  const parsed = EpisodeManifestSchema.safeParse(raw);
  let parts: CheckableManifest;
  if (parsed.success) {
    const m = parsed.data;
    parts = {
      frameCount: m.frameCount,
      cameraCount: m.cameras.length,
      cameras: m.cameras.map((c, index) => ({ index, id: c.id, width: c.width, height: c.height })),
      images: m.images,
      pointCloud: m.pointCloud,
      truth: m.truth ?? {},
    };
  } else {
    const salvaged = salvage(raw);
    parts = salvaged.parts;
    // The schema ran the cross-field checks itself when only they failed; report each issue once.
    const issues = manifestIssues(parsed.error);
    const key = (i: ManifestIssue) => `${formatFieldPath(i.path)}\n${i.message}`;
    const seen = new Set(issues.map(key));
    for (const issue of [...issues, ...salvaged.issues.filter((i) => !seen.has(key(i)))])
      problems.push({
        file: EPISODE_MANIFEST_FILE,
        field: formatFieldPath(issue.path) || undefined,
        message: issue.message,
      });
  }

  const progress = new Progress(options.onProgress);
  const limit = options.concurrency ?? 16;
  const [imageProblems, truthProblems, cloudProblems] = await Promise.all([
    checkImages(dir, parts, progress, limit),
    checkTruth(dir, parts, progress),
    checkPointCloud(dir, parts, progress),
  ]);
  problems.push(...imageProblems, ...truthProblems, ...cloudProblems);
  progress.finish();
  return problems;
}

class Progress {
  private done = 0;
  private total = 0;
  constructor(private readonly report?: (done: number, total: number) => void) {}
  add(n: number) {
    this.total += n;
  }
  tick() {
    this.done++;
    this.report?.(this.done, this.total);
  }
  finish() {
    if (this.done === this.total) this.report?.(this.done, this.total);
  }
}

/** Caps the problems of one group at MAX_LISTED and summarises the rest in one line. */
function capped(list: EpisodeProblem[], summary: (rest: number) => EpisodeProblem): EpisodeProblem[] {
  if (list.length <= MAX_LISTED) return list;
  return [...list.slice(0, MAX_LISTED), summary(list.length - MAX_LISTED)];
}

async function checkImages(
  dir: string,
  parts: CheckableManifest,
  progress: Progress,
  limit: number,
): Promise<EpisodeProblem[]> {
  const problems: EpisodeProblem[] = [];
  const { frameCount } = parts;
  if (frameCount === undefined) return problems;
  const listings = new Map<string, Promise<Set<string> | undefined>>();
  const list = (relDir: string) => {
    let pending = listings.get(relDir);
    if (!pending) {
      pending = readdir(join(dir, relDir)).then(
        (names) => new Set(names),
        () => undefined,
      );
      listings.set(relDir, pending);
    }
    return pending;
  };

  interface HeaderCheck {
    kind: ImageKind;
    camera: CheckableManifest['cameras'][number];
    frame: number;
    rel: string;
  }
  const headerChecks: HeaderCheck[] = [];
  const groups: { kind: ImageKind; camera: CheckableManifest['cameras'][number] }[] = [];

  for (const kind of ['color', 'depth', 'mask'] as const) {
    const template = parts.images[kind];
    if (template === undefined) continue;
    const field = `images.${kind}`;
    const name = KIND_NAMES[kind];
    for (const camera of parts.cameras) {
      groups.push({ kind, camera });
      const missing: string[] = [];
      const folders = new Set<string>();
      for (let frame = 0; frame < frameCount; frame++) {
        const rel = fillTemplate(template, camera.id, frame);
        const folder = posix.dirname(rel);
        folders.add(folder);
        const names = await list(folder);
        if (names?.has(posix.basename(rel))) headerChecks.push({ kind, camera, frame, rel });
        else missing.push(rel);
      }
      if (missing.length === frameCount) {
        const folderList = [...folders];
        const allFoldersMissing = (await Promise.all(folderList.map(list))).every((s) => s === undefined);
        problems.push({
          file: folderList.length === 1 ? `${folderList[0]}/` : missing[0],
          field,
          message: allFoldersMissing
            ? `camera ${camera.id} has no ${name} images: folder ${folderList[0]}/ is missing (expected ${frameCount} files like ${missing[0]})`
            : `camera ${camera.id} has none of its ${frameCount} ${name} images (expected files like ${missing[0]})`,
        });
      } else {
        problems.push(
          ...capped(
            missing.map((rel) => ({
              file: rel,
              field,
              message: `missing ${name} image of camera ${camera.id} (frameCount is ${frameCount})`,
            })),
            (rest) => ({
              file: `${posix.dirname(missing[MAX_LISTED])}/`,
              field,
              message: `... and ${rest} more missing ${name} images of camera ${camera.id}`,
            }),
          ),
        );
      }
      problems.push(...(await extraFrames(template, kind, camera.id, frameCount, list)));
    }
  }

  progress.add(headerChecks.length);
  const infos = await mapLimit(headerChecks, limit, async (check) => {
    try {
      return await readImageInfo(join(dir, check.rel));
    } catch (err) {
      return err as Error;
    } finally {
      progress.tick();
    }
  });
  const byGroup = new Map<string, EpisodeProblem[]>();
  headerChecks.forEach((check, i) => {
    const why = headerProblem(check.kind, check.rel, infos[i], check.camera);
    if (why === undefined) return;
    const key = `${check.kind}/${check.camera.index}`;
    let group = byGroup.get(key);
    if (!group) {
      group = [];
      byGroup.set(key, group);
    }
    group.push({ file: check.rel, field: `images.${check.kind}`, message: why });
  });
  for (const { kind, camera } of groups) {
    const group = byGroup.get(`${kind}/${camera.index}`);
    if (!group) continue;
    problems.push(
      ...capped(group, (rest) => ({
        file: `${posix.dirname(group[MAX_LISTED].file)}/`,
        field: `images.${kind}`,
        message: `... and ${rest} more ${KIND_NAMES[kind]} images of camera ${camera.id} with problems`,
      })),
    );
  }
  return problems;
}

function headerProblem(
  kind: ImageKind,
  rel: string,
  info: ImageInfo | Error,
  camera: { id: string; width: number; height: number },
): string | undefined {
  if (info instanceof Error) return `unreadable ${KIND_NAMES[kind]} image: ${info.message}`;
  const issues: string[] = [];
  const ext = posix.extname(rel).toLowerCase();
  const expectedFormat = ext === '.png' ? 'png' : 'jpeg';
  if (info.format !== expectedFormat)
    issues.push(`the file is a ${info.format.toUpperCase()} but is named ${ext}`);
  const layout = `${info.bitDepth}-bit ${info.channels}-channel ${info.format.toUpperCase()}`;
  if (kind === 'color' && (info.bitDepth !== 8 || ![1, 3, 4].includes(info.channels)))
    issues.push(`colour images must be 8-bit RGB (or RGBA/grey), got ${layout}`);
  if (kind === 'depth' && (info.bitDepth !== 16 || info.channels !== 1 || info.format !== 'png'))
    issues.push(`depth images must be 16-bit single-channel PNG (uint16 millimetres), got ${layout}`);
  if (kind === 'mask' && (info.bitDepth !== 8 || info.channels !== 1 || info.format !== 'png'))
    issues.push(`masks must be 8-bit single-channel PNG (0 background, 255 object), got ${layout}`);
  if (info.width !== camera.width || info.height !== camera.height)
    issues.push(
      `image is ${info.width}x${info.height}, expected ${camera.width}x${camera.height} (the size of camera ${camera.id})`,
    );
  return issues.length > 0 ? issues.join('; ') : undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Files on disk for frames >= frameCount; only when {frame} is in the file name (the default layout). */
async function extraFrames(
  template: string,
  kind: ImageKind,
  cameraId: string,
  frameCount: number,
  list: (relDir: string) => Promise<Set<string> | undefined>,
): Promise<EpisodeProblem[]> {
  const withCamera = template.replaceAll('{camera}', cameraId);
  const folder = posix.dirname(withCamera);
  const base = posix.basename(withCamera);
  if (folder.includes('{frame}') || !base.includes('{frame}')) return [];
  const pattern = new RegExp(`^${escapeRegExp(base).replaceAll(escapeRegExp('{frame}'), '(\\d{6,})')}$`);
  const names = await list(folder);
  if (!names) return [];
  const extra: number[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const frames = m.slice(1).map(Number);
    if (frames.every((f) => f === frames[0]) && frames[0] >= frameCount) extra.push(frames[0]);
  }
  if (extra.length === 0) return [];
  extra.sort((a, b) => a - b);
  const range = extra.length === 1 ? `frame ${extra[0]}` : `frames ${extra[0]}..${extra[extra.length - 1]}`;
  return [
    {
      file: fillTemplate(template, cameraId, extra[0]),
      field: 'frameCount',
      message: `${extra.length} ${KIND_NAMES[kind]} image(s) of camera ${cameraId} beyond frameCount ${frameCount} (${range}): the frame count disagrees with the files on disk`,
    },
  ];
}

async function readNpyProblem(dir: string, rel: string, field: string): Promise<NdArray | EpisodeProblem> {
  try {
    return parseNpy(await readFile(join(dir, rel)), rel);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      file: rel,
      field,
      message: missing
        ? 'missing (the manifest names this file)'
        : `unreadable .npy: ${(err as Error).message}`,
    };
  }
}

function shapeText(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}

function firstNonFinite(a: NdArray): number {
  const d = toFloat64Array(a);
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return i;
  return -1;
}

async function checkTruth(
  dir: string,
  parts: CheckableManifest,
  progress: Progress,
): Promise<EpisodeProblem[]> {
  const { truth, frameCount: T, cameraCount: C } = parts;
  const problems: EpisodeProblem[] = [];
  const entries = (['surfacePoints', 'surfaceVisibility', 'particles'] as const).filter(
    (k) => truth[k] !== undefined,
  );
  progress.add(entries.length);
  const arrays = await Promise.all(
    entries.map(async (key) => {
      const result = await readNpyProblem(dir, truth[key] as string, `truth.${key}`);
      progress.tick();
      return [key, result] as const;
    }),
  );
  let surfaceCount: number | undefined;
  for (const [key, result] of arrays) {
    const rel = truth[key] as string;
    const field = `truth.${key}`;
    if (!('dtype' in result)) {
      problems.push(result);
      continue;
    }
    const a = result;
    const say = (message: string) => problems.push({ file: rel, field, message });
    const isPoints = key !== 'surfaceVisibility';
    const what = key === 'surfacePoints' ? '(T, K, 3)' : key === 'particles' ? '(T, P, 3)' : '(T, C, K)';
    if (isPoints && a.dtype !== 'float32') say(`expected dtype float32, got ${a.dtype}`);
    if (!isPoints && a.dtype !== 'uint8' && a.dtype !== 'bool')
      say(`expected dtype uint8 (0/1), got ${a.dtype}`);
    if (a.shape.length !== 3) {
      say(`expected shape ${what}, got ${shapeText(a.shape)}`);
      continue;
    }
    if (T !== undefined && a.shape[0] !== T)
      say(`expected ${T} frames (frameCount) on axis 0 of shape ${what}, got shape ${shapeText(a.shape)}`);
    if (isPoints && a.shape[2] !== 3)
      say(`expected 3 coordinates on axis 2 of ${what}, got shape ${shapeText(a.shape)}`);
    if (key === 'surfacePoints') surfaceCount = a.shape[1];
    if (key === 'surfaceVisibility' && C !== undefined && a.shape[1] !== C)
      say(`expected ${C} cameras (the manifest's) on axis 1 of ${what}, got shape ${shapeText(a.shape)}`);
    if (isPoints) {
      const bad = firstNonFinite(a);
      if (bad >= 0) say(`value ${bad} (point ${Math.floor(bad / 3)}) is not finite`);
    } else {
      const d = toFloat64Array(a);
      for (let i = 0; i < d.length; i++)
        if (d[i] !== 0 && d[i] !== 1) {
          say(`expected only 0 or 1, got ${d[i]} at index ${i}`);
          break;
        }
    }
  }
  const visibility = arrays.find(([k]) => k === 'surfaceVisibility')?.[1];
  if (visibility && 'dtype' in visibility && visibility.shape.length === 3 && surfaceCount !== undefined)
    if (visibility.shape[2] !== surfaceCount)
      problems.push({
        file: truth.surfaceVisibility as string,
        field: 'truth.surfaceVisibility',
        message: `expected ${surfaceCount} points on axis 2 (as in truth.surfacePoints), got shape ${shapeText(visibility.shape)}`,
      });
  return problems;
}

async function checkPointCloud(
  dir: string,
  parts: CheckableManifest,
  progress: Progress,
): Promise<EpisodeProblem[]> {
  const rel = parts.pointCloud;
  if (rel === undefined) return [];
  progress.add(1);
  const say = (message: string): EpisodeProblem[] => [{ file: rel, field: 'pointCloud', message }];
  try {
    const cloud = await readPointCloud(join(dir, rel));
    if (cloud.count === 0) return say('the point cloud has no points');
    for (let i = 0; i < cloud.positions.length; i++)
      if (!Number.isFinite(cloud.positions[i]))
        return say(`point ${Math.floor(i / 3)} has a non-finite coordinate`);
    return [];
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return say(
      missing
        ? 'missing (the manifest names this file)'
        : `unreadable point cloud: ${(err as Error).message}`,
    );
  } finally {
    progress.tick();
  }
}
