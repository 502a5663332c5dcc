import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { assertArtifactKey, isArtifactKey, joinKey } from './artifact-key.js';
import type { ArtifactStore } from './artifact-store.js';

/** Name of the manifest an artifact directory is complete with; written after every file. */
export const ARTIFACT_MANIFEST = '.gsdyn-artifact.json';

const ManifestSchema = z
  .object({
    version: z.literal(1),
    createdAt: z.string(),
    files: z.array(
      z
        .object({
          path: z.string().refine((p) => isArtifactKey(p) && p !== ARTIFACT_MANIFEST, {
            message: 'expected a relative "/"-separated path without "." or ".." segments',
          }),
          size: z.number().int().nonnegative(),
          sha256: z.string().regex(/^[0-9a-f]{64}$/),
        })
        .strict(),
    ),
    meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

export type ArtifactManifest = z.infer<typeof ManifestSchema>;
export type ArtifactFileEntry = ArtifactManifest['files'][number];

/** The directory at a prefix has no manifest: it was never uploaded, or its upload did not finish. */
export class IncompleteArtifactError extends Error {
  override name = 'IncompleteArtifactError';
  constructor(readonly prefix: string) {
    super(`artifact directory ${JSON.stringify(prefix)} is missing or incomplete (no ${ARTIFACT_MANIFEST})`);
  }
}

async function listLocalFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(join(dir, entry.name), relPath);
      else if (entry.isFile()) out.push(relPath);
      else
        throw new Error(
          `${join(dir, entry.name)}: expected a regular file or a directory (links are refused)`,
        );
    }
  };
  const s = await lstat(root);
  if (!s.isDirectory()) throw new Error(`${root}: expected a directory`);
  await walk(root, '');
  return out.sort();
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return results;
}

export interface DirectoryTransferOptions {
  /** Files transferred at once (default 4). */
  concurrency?: number;
}

/**
 * Uploads every file of `localDir` under `prefix`, then the manifest. The old manifest is deleted first, so a
 * re-upload (a retried job) is never seen as complete before all its files are there; readers that find the
 * manifest find every file it lists.
 */
export async function putDirectory(
  store: ArtifactStore,
  localDir: string,
  prefix: string,
  options: DirectoryTransferOptions & { meta?: ArtifactManifest['meta'] } = {},
): Promise<ArtifactManifest> {
  assertArtifactKey(prefix, 'artifact prefix');
  const paths = await listLocalFiles(localDir);
  for (const p of paths) {
    if (p === ARTIFACT_MANIFEST)
      throw new Error(`${join(localDir, p)}: the name ${ARTIFACT_MANIFEST} is reserved`);
    assertArtifactKey(p, `file ${join(localDir, p)}: path`);
  }
  const manifestKey = joinKey(prefix, ARTIFACT_MANIFEST);
  await store.delete(manifestKey);
  const files = await mapLimit(paths, options.concurrency ?? 4, async (path) => {
    const put = await store.put(joinKey(prefix, path), createReadStream(join(localDir, ...path.split('/'))));
    return { path, size: put.size, sha256: put.sha256 };
  });
  const manifest: ArtifactManifest = {
    version: 1,
    createdAt: new Date().toISOString(),
    files,
    ...(options.meta ? { meta: options.meta } : {}),
  };
  await store.put(manifestKey, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), {
    contentType: 'application/json',
  });
  return manifest;
}

/** The manifest of the directory at `prefix`, or undefined when it is missing (incomplete). */
export async function readArtifactManifest(
  store: ArtifactStore,
  prefix: string,
): Promise<ArtifactManifest | undefined> {
  const key = joinKey(prefix, ARTIFACT_MANIFEST);
  if (!(await store.exists(key))) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse((await store.getBuffer(key)).toString('utf8'));
  } catch (error) {
    throw new Error(`${key}: invalid JSON (${(error as Error).message})`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${key}: invalid artifact manifest: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export async function isArtifactComplete(store: ArtifactStore, prefix: string): Promise<boolean> {
  return store.exists(joinKey(prefix, ARTIFACT_MANIFEST));
}

/**
 * Downloads the directory at `prefix` into `localDir` (created if needed): only the files its manifest lists, each
 * checked against the manifest's size and sha256 and renamed into place whole. Rejects with IncompleteArtifactError
 * when there is no manifest.
 */
export async function getDirectory(
  store: ArtifactStore,
  prefix: string,
  localDir: string,
  options: DirectoryTransferOptions = {},
): Promise<ArtifactManifest> {
  const manifest = await readArtifactManifest(store, prefix);
  if (manifest === undefined) throw new IncompleteArtifactError(prefix);
  await mkdir(localDir, { recursive: true });
  await mapLimit(manifest.files, options.concurrency ?? 4, async (file) => {
    const key = joinKey(prefix, file.path);
    const target = join(localDir, ...file.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.${randomUUID()}.partial`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      await pipeline(
        await store.get(key),
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            hash.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        }),
        createWriteStream(temp, { flags: 'wx' }),
      );
      const sha256 = hash.digest('hex');
      if (size !== file.size || sha256 !== file.sha256)
        throw new Error(
          `${key}: expected ${file.size} bytes with sha256 ${file.sha256} (the manifest), got ${size} bytes with sha256 ${sha256}`,
        );
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  });
  return manifest;
}

/** The numeric entries of an artifact manifest's meta: the metrics of the run that wrote it (empty without one). */
export function manifestMetrics(manifest: ArtifactManifest | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(manifest?.meta ?? {})) if (typeof v === 'number') out[k] = v;
  return out;
}
