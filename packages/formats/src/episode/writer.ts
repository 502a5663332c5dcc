import { randomBytes } from 'node:crypto';
import { copyFile as fsCopyFile, writeFile as fsWriteFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type DepthImage,
  type GrayImage,
  type RgbImage,
  writeColorImage,
  writeDepthPng,
  writeMaskImage,
} from '../image.js';
import { encodeNpy, ndarray } from '../npy.js';
import { type PointCloud, writePointCloud } from '../ply.js';
import {
  DEFAULT_IMAGE_PATHS,
  EPISODE_FORMAT,
  EPISODE_FORMAT_VERSION,
  EPISODE_MANIFEST_FILE,
  EpisodeFormatError,
  type EpisodeManifest,
  EpisodeManifestSchema,
  fillTemplate,
  IMAGE_KINDS,
  type ImageKind,
  type ImagePaths,
  type ManifestCamera,
  parseManifest,
  relativePathProblem,
  type TruthPaths,
} from './manifest.js';
import { type EpisodeProblem, formatProblems, validateEpisode } from './validate.js';

export const DEFAULT_POINT_CLOUD_FILE = 'points.ply';
export const DEFAULT_TRUTH_FILES = {
  surfacePoints: 'truth/surface_points.npy',
  surfaceVisibility: 'truth/surface_visibility.npy',
  particles: 'truth/particles.npy',
} as const satisfies Required<TruthPaths>;

export interface EpisodeWriterOptions {
  /** Replace an existing `outDir` on commit (default false: an existing outDir is an error). */
  overwrite?: boolean;
  /** Colour image encoding, which also fixes the colour path template (default 'png'). */
  colorFormat?: 'png' | 'jpg';
  /** When given, writes for any other camera id are refused at once. */
  cameraIds?: readonly string[];
  /**
   * Run `validateEpisode` on the finished temp dir before it becomes visible (default true), so that a
   * committed episode is always a valid one. Reads only image headers: fast.
   */
  validate?: boolean;
}

export interface TruthArrays {
  /** (frames, count, 3) float32 world positions, frame-major. */
  surfacePoints: Float32Array;
  frames: number;
  count: number;
  /** (frames, cameras, count) uint8, 1 = visible. Requires `cameras`. */
  surfaceVisibility?: Uint8Array;
  cameras?: number;
  /** (frames, particleCount, 3) float32 simulator particle states. Requires `particleCount`. */
  particles?: Float32Array;
  particleCount?: number;
}

/**
 * A camera as `commit` takes it: matrices as plain nested arrays (e.g. from `mat4ToRows`); their shapes are
 * checked by the schema at commit.
 */
export type EpisodeCameraDraft = Omit<ManifestCamera, 'K' | 'worldToCamera'> & {
  K: readonly (readonly number[])[];
  worldToCamera: readonly (readonly number[])[];
};

/** What `commit` needs: the manifest minus what the writer fills in from what was written. */
export type EpisodeManifestDraft = Omit<
  EpisodeManifest,
  'format' | 'version' | 'images' | 'pointCloud' | 'truth' | 'cameras'
> &
  Partial<Pick<EpisodeManifest, 'format' | 'version' | 'images' | 'pointCloud' | 'truth'>> & {
    cameras: readonly EpisodeCameraDraft[];
  };

export interface EpisodeWriter {
  readonly outDir: string;
  readonly tempDir: string;
  /** Image path templates this writer uses (colour extension from `colorFormat`). */
  readonly templates: Required<ImagePaths>;
  /** Absolute path inside the temp dir. */
  path(relativePath: string): string;
  writeColor(cameraId: string, frame: number, image: RgbImage): Promise<void>;
  writeDepth(cameraId: string, frame: number, depth: DepthImage): Promise<void>;
  writeMask(cameraId: string, frame: number, mask: GrayImage): Promise<void>;
  /** Copies a file byte for byte (importers keep source JPEG/PNG files without re-encoding). */
  copyFile(relativeDest: string, srcPath: string): Promise<void>;
  /** Copies an image file to the templated path of (kind, camera, frame). */
  copyImage(kind: ImageKind, cameraId: string, frame: number, srcPath: string): Promise<void>;
  writePointCloud(cloud: PointCloud): Promise<void>;
  writeTruth(truth: TruthArrays): Promise<void>;
  writeFile(relativePath: string, bytes: Uint8Array | string): Promise<void>;
  /**
   * Fills images/pointCloud/truth, validates, writes episode.json and renames the temp dir to outDir.
   * Resolves to outDir (absolute); the manifest as written is then in `manifest`.
   */
  commit(draft: EpisodeManifestDraft): Promise<string>;
  /** The manifest as written, once `commit` has succeeded. */
  readonly manifest: EpisodeManifest | undefined;
  /** Removes the temp dir; nothing becomes visible. Safe to call twice or after a failed commit. */
  abort(): Promise<void>;
}

export class EpisodeCommitError extends Error {
  override name = 'EpisodeCommitError';
  constructor(
    message: string,
    readonly problems: EpisodeProblem[] = [],
  ) {
    super(message);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function hiddenSibling(outDir: string, tag: string): string {
  return join(dirname(outDir), `.${basename(outDir)}.${tag}-${randomBytes(6).toString('hex')}`);
}

/**
 * Starts an episode in a hidden sibling temp dir (`<parent>/.<name>.partial-<random>`), so that `outDir`
 * only ever appears whole: a crash leaves a dot-directory behind, never a half episode.
 */
export async function createEpisodeWriter(
  outDir: string,
  options: EpisodeWriterOptions = {},
): Promise<EpisodeWriter> {
  outDir = resolve(outDir);
  if (!options.overwrite && (await exists(outDir)))
    throw new EpisodeCommitError(`${outDir} already exists (pass overwrite to replace it)`);
  await mkdir(dirname(outDir), { recursive: true });
  const tempDir = hiddenSibling(outDir, 'partial');
  await mkdir(tempDir);

  const templates: Required<ImagePaths> = {
    color:
      options.colorFormat === 'jpg'
        ? DEFAULT_IMAGE_PATHS.color.replace(/\.png$/, '.jpg')
        : DEFAULT_IMAGE_PATHS.color,
    depth: DEFAULT_IMAGE_PATHS.depth,
    mask: DEFAULT_IMAGE_PATHS.mask,
  };
  const knownCameras = options.cameraIds ? new Set(options.cameraIds) : undefined;
  const kindsWritten = new Set<ImageKind>();
  // Files placed with copyFile/writeFile at a templated image path count as images of that kind.
  const templatePatterns = IMAGE_KINDS.map((kind) => ({ kind, pattern: templatePattern(templates[kind]) }));
  let pointCloudWritten = false;
  let truthWritten: TruthPaths | undefined;
  let state: 'open' | 'committing' | 'done' = 'open';
  let committed: EpisodeManifest | undefined;

  // One mkdir per directory, shared by every concurrent write into it.
  const directories = new Map<string, Promise<unknown>>();
  const ensureDir = (dir: string): Promise<unknown> => {
    let pending = directories.get(dir);
    if (!pending) {
      pending = mkdir(dir, { recursive: true });
      directories.set(dir, pending);
    }
    return pending;
  };

  const target = async (relativePath: string): Promise<string> => {
    if (state !== 'open') throw new EpisodeCommitError(`episode writer for ${outDir} is already ${state}`);
    const problem = relativePathProblem(relativePath);
    if (problem) throw new EpisodeFormatError(`${relativePath}: ${problem}`);
    const abs = join(tempDir, relativePath);
    await ensureDir(dirname(abs));
    for (const { kind, pattern } of templatePatterns) if (pattern.test(relativePath)) kindsWritten.add(kind);
    return abs;
  };

  const imagePath = (kind: ImageKind, cameraId: string, frame: number): string => {
    if (knownCameras && !knownCameras.has(cameraId))
      throw new EpisodeFormatError(`camera "${cameraId}" is not one of ${[...knownCameras].join(', ')}`);
    if (!Number.isInteger(frame) || frame < 0)
      throw new RangeError(`frame ${frame}: expected an integer >= 0`);
    kindsWritten.add(kind);
    return fillTemplate(templates[kind], cameraId, frame);
  };

  const abort = async () => {
    state = 'done';
    await rm(tempDir, { recursive: true, force: true });
  };

  const writer: EpisodeWriter = {
    outDir,
    tempDir,
    templates,
    path: (relativePath) => join(tempDir, relativePath),
    async writeColor(cameraId, frame, image) {
      await writeColorImage(await target(imagePath('color', cameraId, frame)), image);
    },
    async writeDepth(cameraId, frame, depth) {
      await writeDepthPng(await target(imagePath('depth', cameraId, frame)), depth);
    },
    async writeMask(cameraId, frame, mask) {
      await writeMaskImage(await target(imagePath('mask', cameraId, frame)), mask);
    },
    async copyFile(relativeDest, srcPath) {
      await fsCopyFile(srcPath, await target(relativeDest));
    },
    async copyImage(kind, cameraId, frame, srcPath) {
      await fsCopyFile(srcPath, await target(imagePath(kind, cameraId, frame)));
    },
    async writePointCloud(cloud) {
      await writePointCloud(await target(DEFAULT_POINT_CLOUD_FILE), cloud);
      pointCloudWritten = true;
    },
    async writeTruth(truth) {
      const { frames, count } = truth;
      const expect = (what: string, length: number, wanted: number, shape: string) => {
        if (length !== wanted)
          throw new EpisodeFormatError(
            `writeTruth: ${what} has ${length} values, expected ${shape} = ${wanted}`,
          );
      };
      expect('surfacePoints', truth.surfacePoints.length, frames * count * 3, `${frames}x${count}x3`);
      const files: TruthPaths = { surfacePoints: DEFAULT_TRUTH_FILES.surfacePoints };
      const writes: Promise<void>[] = [];
      const put = async (rel: string, bytes: Uint8Array) => fsWriteFile(await target(rel), bytes);
      writes.push(
        put(files.surfacePoints, encodeNpy(ndarray('float32', [frames, count, 3], truth.surfacePoints))),
      );
      if (truth.surfaceVisibility) {
        const cameras = truth.cameras;
        if (cameras === undefined)
          throw new EpisodeFormatError('writeTruth: surfaceVisibility needs `cameras`');
        expect(
          'surfaceVisibility',
          truth.surfaceVisibility.length,
          frames * cameras * count,
          `${frames}x${cameras}x${count}`,
        );
        files.surfaceVisibility = DEFAULT_TRUTH_FILES.surfaceVisibility;
        writes.push(
          put(
            files.surfaceVisibility,
            encodeNpy(ndarray('uint8', [frames, cameras, count], truth.surfaceVisibility)),
          ),
        );
      }
      if (truth.particles) {
        const n = truth.particleCount;
        if (n === undefined) throw new EpisodeFormatError('writeTruth: particles needs `particleCount`');
        expect('particles', truth.particles.length, frames * n * 3, `${frames}x${n}x3`);
        files.particles = DEFAULT_TRUTH_FILES.particles;
        writes.push(put(files.particles, encodeNpy(ndarray('float32', [frames, n, 3], truth.particles))));
      }
      await Promise.all(writes);
      truthWritten = files;
    },
    async writeFile(relativePath, bytes) {
      if (relativePath === EPISODE_MANIFEST_FILE)
        throw new EpisodeFormatError(`${EPISODE_MANIFEST_FILE} is written by commit()`);
      await fsWriteFile(await target(relativePath), bytes);
    },
    async commit(draft) {
      if (state !== 'open') throw new EpisodeCommitError(`episode writer for ${outDir} is already ${state}`);
      state = 'committing';
      try {
        const manifest = parseManifest(
          {
            ...draft,
            format: draft.format ?? EPISODE_FORMAT,
            version: draft.version ?? EPISODE_FORMAT_VERSION,
            images: draft.images ?? {
              color: templates.color,
              ...(kindsWritten.has('depth') ? { depth: templates.depth } : {}),
              ...(kindsWritten.has('mask') ? { mask: templates.mask } : {}),
            },
            ...(draft.pointCloud || pointCloudWritten
              ? { pointCloud: draft.pointCloud ?? DEFAULT_POINT_CLOUD_FILE }
              : {}),
            ...(draft.truth || truthWritten ? { truth: draft.truth ?? truthWritten } : {}),
          },
          `${outDir}/${EPISODE_MANIFEST_FILE}`,
        );
        const text = `${JSON.stringify(manifest, null, 2)}\n`;
        await fsWriteFile(join(tempDir, EPISODE_MANIFEST_FILE), text);
        if (options.validate !== false) {
          const problems = await validateEpisode(tempDir);
          if (problems.length > 0)
            throw new EpisodeCommitError(
              `${outDir}: the episode is not valid, nothing was written:\n${formatProblems(problems)}`,
              problems,
            );
        }
        await publish(tempDir, outDir, options.overwrite === true);
        state = 'done';
        // What a reader will see (JSON has no -0, for one).
        committed = EpisodeManifestSchema.parse(JSON.parse(text));
        return outDir;
      } catch (err) {
        await abort();
        throw err;
      }
    },
    abort,
    get manifest() {
      return committed;
    },
  };
  return writer;
}

function templatePattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `^${escaped.replaceAll('\\{camera\\}', '[A-Za-z0-9_.-]+').replaceAll('\\{frame\\}', '\\d{6,}')}$`,
  );
}

/** Renames the finished temp dir to outDir; an existing outDir is moved aside first and removed after. */
async function publish(tempDir: string, outDir: string, overwrite: boolean): Promise<void> {
  if (!(await exists(outDir))) {
    await rename(tempDir, outDir);
    return;
  }
  if (!overwrite) throw new EpisodeCommitError(`${outDir} already exists (pass overwrite to replace it)`);
  const old = hiddenSibling(outDir, 'old');
  await rename(outDir, old);
  try {
    await rename(tempDir, outDir);
  } catch (err) {
    await rename(old, outDir);
    throw err;
  }
  await rm(old, { recursive: true, force: true });
}
