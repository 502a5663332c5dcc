import { checkRigid, mat4FromRows } from '@gsdyn/geometry';
import { z } from 'zod';

/**
 * The episode manifest (`episode.json`), format version 1: the contract between capture, importers and every
 * stage. The schema checks everything that can be checked from the JSON alone; `validateEpisode` checks the
 * files it points to. See docs/episode-format.md for the prose version of this file.
 */

export const EPISODE_MANIFEST_FILE = 'episode.json';
export const EPISODE_FORMAT = 'gsdyn.episode';
export const EPISODE_FORMAT_VERSION = 1;

export type ImageKind = 'color' | 'depth' | 'mask';
export const IMAGE_KINDS: readonly ImageKind[] = ['color', 'depth', 'mask'];

/** The layout every gsdyn writer uses; other layouts are legal as long as the templates say so. */
export const DEFAULT_IMAGE_PATHS = {
  color: 'color/{camera}/{frame}.png',
  depth: 'depth/{camera}/{frame}.png',
  mask: 'mask/{camera}/{frame}.png',
} as const satisfies Record<ImageKind, string>;

export const CAMERA_ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** Why a relative path is unsafe to join onto the episode directory, or undefined when it is fine. */
export function relativePathProblem(path: string): string | undefined {
  if (path.length === 0) return 'expected a non-empty relative path';
  if (path.includes('\\')) return 'expected forward slashes only (no backslash)';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path))
    return 'expected a path relative to the episode directory, not an absolute path';
  const parts = path.split('/');
  if (parts.includes('..')) return 'expected a path inside the episode directory (no "..")';
  if (parts.some((p) => p === '' || p === '.'))
    return 'expected a normalised path (no empty or "." segments)';
  return undefined;
}

const finite = z.number({ error: 'expected a finite number' });
const positive = z
  .number({ error: 'expected a positive number' })
  .positive({ error: 'expected a positive number' });
const positiveInt = z
  .number({ error: 'expected a positive integer' })
  .int({ error: 'expected a positive integer' })
  .positive({ error: 'expected a positive integer' });
const zeroSkew = z.literal(0, { error: 'expected 0 (gsdyn cameras have no skew)' });

export const Vec3Schema = z.tuple([finite, finite, finite], {
  error: 'expected [x, y, z] (3 finite numbers)',
});

function relativePath(extensions: readonly string[], what: string) {
  return z.string({ error: `expected a relative path to ${what}` }).superRefine((path, ctx) => {
    const problem = relativePathProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    const lower = path.toLowerCase();
    if (!extensions.some((e) => lower.endsWith(e)))
      ctx.addIssue({ code: 'custom', message: `expected a file name ending in ${extensions.join(' or ')}` });
  });
}

function imageTemplate(extensions: readonly string[]) {
  return relativePath(extensions, 'an image path template').superRefine((template, ctx) => {
    for (const placeholder of ['{camera}', '{frame}'])
      if (!template.includes(placeholder))
        ctx.addIssue({ code: 'custom', message: `expected the template to contain ${placeholder}` });
    const leftover = template.replaceAll('{camera}', '').replaceAll('{frame}', '');
    if (/[{}]/.test(leftover))
      ctx.addIssue({ code: 'custom', message: 'unknown placeholder: only {camera} and {frame} are allowed' });
  });
}

const IntrinsicsSchema = z.tuple(
  [
    z.tuple([positive, zeroSkew, finite], { error: 'expected a row [fx, 0, cx]' }),
    z.tuple([zeroSkew, positive, finite], { error: 'expected a row [0, fy, cy]' }),
    z.tuple(
      [
        z.literal(0, { error: 'expected 0' }),
        z.literal(0, { error: 'expected 0' }),
        z.literal(1, { error: 'expected 1' }),
      ],
      { error: 'expected the row [0, 0, 1]' },
    ),
  ],
  { error: 'expected a 3x3 intrinsic matrix [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]' },
);

const row4 = z.tuple([finite, finite, finite, finite], { error: 'expected a row of 4 finite numbers' });
const WorldToCameraSchema = z
  .tuple([row4, row4, row4, row4], { error: 'expected a 4x4 row-major world-to-camera matrix' })
  .superRefine((rows, ctx) => {
    const why = checkRigid(mat4FromRows(rows));
    if (why) ctx.addIssue({ code: 'custom', message: `expected a rigid transform: ${why}` });
  });

export const CameraSchema = z.strictObject({
  id: z
    .string({ error: 'expected a camera id string' })
    .regex(CAMERA_ID_PATTERN, { error: 'expected letters, digits, "_", "." or "-" only' })
    .refine((id) => id !== '.' && id !== '..', { error: 'expected a camera id other than "." or ".."' }),
  width: positiveInt,
  height: positiveInt,
  K: IntrinsicsSchema,
  worldToCamera: WorldToCameraSchema,
});

export const ImagePathsSchema = z.strictObject({
  color: imageTemplate(['.png', '.jpg', '.jpeg']),
  depth: imageTemplate(['.png']).optional(),
  mask: imageTemplate(['.png']).optional(),
});

export const EndEffectorSchema = z.strictObject({
  radius: positive,
  positions: z.array(Vec3Schema, { error: 'expected an array of [x, y, z] positions, one per frame' }),
});

export const WorkspaceSchema = z.strictObject({ min: Vec3Schema, max: Vec3Schema }).superRefine((w, ctx) => {
  for (let i = 0; i < 3; i++)
    if (w.min[i] > w.max[i])
      ctx.addIssue({
        code: 'custom',
        path: ['max', i],
        message: `expected max >= min on axis ${'xyz'[i]} (min ${w.min[i]}, max ${w.max[i]})`,
      });
});

export const TruthPathsSchema = z.strictObject({
  surfacePoints: relativePath(['.npy'], 'a .npy file'),
  surfaceVisibility: relativePath(['.npy'], 'a .npy file').optional(),
  particles: relativePath(['.npy'], 'a .npy file').optional(),
});

export const ObjectSchema = z.strictObject({
  kind: z.enum(['rope', 'cloth', 'plush', 'other'], { error: 'expected one of rope, cloth, plush, other' }),
  description: z.string().optional(),
});

/** The fields of a manifest, each parsed on its own by the validator when the whole fails. */
export const manifestFields = {
  format: z.literal(EPISODE_FORMAT, { error: `expected "${EPISODE_FORMAT}"` }),
  version: z.literal(EPISODE_FORMAT_VERSION, {
    error: (issue) =>
      `unsupported version ${JSON.stringify(issue.input)}: this reader understands version ${EPISODE_FORMAT_VERSION}`,
  }),
  name: z.string().min(1, { error: 'expected a non-empty name' }).optional(),
  object: ObjectSchema.optional(),
  fps: positive,
  frameCount: positiveInt,
  cameras: z
    .array(CameraSchema, { error: 'expected an array of cameras' })
    .min(1, { error: 'expected at least one camera' }),
  images: ImagePathsSchema,
  endEffector: EndEffectorSchema.optional(),
  pointCloud: relativePath(['.ply'], 'a .ply file').optional(),
  workspace: WorkspaceSchema.optional(),
  truth: TruthPathsSchema.optional(),
  source: z
    .record(z.string(), z.unknown(), { error: 'expected an object (free-form provenance)' })
    .optional(),
};

export interface ManifestIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Checks that span several fields. Zod skips object-level refinements once a child fails, so this takes the
 * fields that did parse and is shared by the schema and the validator (which runs it on whatever it salvaged).
 */
export function crossFieldIssues(parts: {
  frameCount?: number;
  cameraIds?: readonly (string | undefined)[];
  endEffectorPositions?: number;
}): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  if (parts.cameraIds) {
    const first = new Map<string, number>();
    parts.cameraIds.forEach((id, i) => {
      if (id === undefined) return;
      const seen = first.get(id);
      if (seen === undefined) first.set(id, i);
      else
        issues.push({
          path: ['cameras', i, 'id'],
          message: `duplicate camera id "${id}" (also cameras[${seen}].id): ids must be unique`,
        });
    });
  }
  if (parts.frameCount !== undefined && parts.endEffectorPositions !== undefined)
    if (parts.endEffectorPositions !== parts.frameCount)
      issues.push({
        path: ['endEffector', 'positions'],
        message: `expected one position per frame: ${parts.endEffectorPositions} positions for frameCount ${parts.frameCount}`,
      });
  return issues;
}

export const EpisodeManifestSchema = z.strictObject(manifestFields).superRefine((m, ctx) => {
  const issues = crossFieldIssues({
    frameCount: m.frameCount,
    cameraIds: m.cameras.map((c) => c.id),
    endEffectorPositions: m.endEffector?.positions.length,
  });
  for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

export type EpisodeManifest = z.infer<typeof EpisodeManifestSchema>;
export type ManifestCamera = z.infer<typeof CameraSchema>;
export type ImagePaths = z.infer<typeof ImagePathsSchema>;
export type TruthPaths = z.infer<typeof TruthPathsSchema>;

/** `cameras[1].K[0][0]` from ['cameras', 1, 'K', 0, 0]. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out.length === 0 ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** One readable issue per problem: unknown keys become one issue each, naming the key. */
export function manifestIssues(error: z.ZodError): ManifestIssue[] {
  const out: ManifestIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({
          path: [...issue.path.map(pathKey), key],
          message: 'unknown field (not part of episode format v1; free-form data belongs in "source")',
        });
    } else out.push({ path: issue.path.map(pathKey), message: issue.message });
  }
  return out;
}

function pathKey(k: PropertyKey): string | number {
  return typeof k === 'number' ? k : String(k);
}

/** Parses a manifest object; throws one error that lists every issue, each with its field path. */
export function parseManifest(raw: unknown, file: string = EPISODE_MANIFEST_FILE): EpisodeManifest {
  const result = EpisodeManifestSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = manifestIssues(result.error).map(
    (i) => `  ${formatFieldPath(i.path) || '(manifest)'}: ${i.message}`,
  );
  throw new EpisodeFormatError(`${file}: invalid episode manifest:\n${lines.join('\n')}`);
}

export class EpisodeFormatError extends Error {
  override name = 'EpisodeFormatError';
}

/** 6-digit zero-padded frame index, as used in file names. */
export function frameName(frame: number): string {
  return String(frame).padStart(6, '0');
}

export function fillTemplate(template: string, cameraId: string, frame: number): string {
  return template.replaceAll('{camera}', cameraId).replaceAll('{frame}', frameName(frame));
}

/** Relative path of one image of the episode; throws when the manifest has no template for that kind. */
export function resolveImagePath(
  manifest: Pick<EpisodeManifest, 'images'>,
  kind: ImageKind,
  cameraId: string,
  frame: number,
): string {
  const template = manifest.images[kind];
  if (template === undefined)
    throw new EpisodeFormatError(`the episode has no ${kind} images (images.${kind})`);
  if (!Number.isInteger(frame) || frame < 0) throw new RangeError(`frame ${frame}: expected an integer >= 0`);
  return fillTemplate(template, cameraId, frame);
}
