import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { assertArtifactKey, assertArtifactPrefix, RESERVED_KEY_SEGMENT } from './artifact-key.js';
import {
  type ArtifactBody,
  type ArtifactInfo,
  ArtifactNotFoundError,
  type ArtifactStore,
  type PutResult,
} from './artifact-store.js';
import { collect, writeBodyToFile } from './body-chunks.js';

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The artifact store on a local directory. An object is a file at `<root>/<key>`. put writes a temporary file under
 * `<root>/.gsdyn-tmp/` (same filesystem), flushes it, then renames it over the destination: rename is atomic, so
 * readers see the old file or the new one, never a part. A key cannot also be a "directory" of other keys here
 * (`a/b` and `a/b/c`), which S3 allows; our layouts never need it.
 */
export class FsArtifactStore implements ArtifactStore {
  readonly kind = 'fs';
  private readonly tmpDir: string;

  constructor(readonly root: string) {
    this.tmpDir = join(root, RESERVED_KEY_SEGMENT);
  }

  /** Where the object of `key` lives on disk (embedded mode reads files in place). */
  localPath(key: string): string {
    return join(this.root, ...assertArtifactKey(key).split('/'));
  }

  async put(key: string, body: ArtifactBody): Promise<PutResult> {
    const target = this.localPath(key);
    await mkdir(this.tmpDir, { recursive: true });
    const temp = join(this.tmpDir, randomUUID());
    try {
      const { size, sha256 } = await writeBodyToFile(body, temp, { flush: true });
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
      return { key, size, sha256 };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    try {
      const handle = await open(this.localPath(key), 'r');
      return handle.createReadStream();
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR')
        throw new ArtifactNotFoundError(key);
      throw error;
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    return collect(await this.get(key));
  }

  async head(key: string): Promise<ArtifactInfo | undefined> {
    try {
      const s = await stat(this.localPath(key));
      return s.isFile() ? { key, size: s.size, lastModified: s.mtime } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async list(prefix: string): Promise<ArtifactInfo[]> {
    assertArtifactPrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const baseKey = slash < 0 ? '' : prefix.slice(0, slash);
    const out: ArtifactInfo[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const entry of entries) {
        const key = keyPrefix === '' ? entry.name : `${keyPrefix}/${entry.name}`;
        if (keyPrefix === '' && entry.name === RESERVED_KEY_SEGMENT) continue;
        if (entry.isDirectory()) {
          // Only descend where keys can still match the prefix.
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix)) await walk(join(dir, entry.name), key);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          const s = await stat(join(dir, entry.name)).catch(() => undefined);
          if (s) out.push({ key, size: s.size, lastModified: s.mtime });
        }
      }
    };
    await walk(baseKey === '' ? this.root : join(this.root, ...baseKey.split('/')), baseKey);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.localPath(key));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!isMissing(error) && code !== 'EISDIR' && code !== 'EPERM') throw error;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    for (const o of objects) await this.delete(o.key);
    return objects.length;
  }

  /** The fs store has no URL to hand out: callers stream `get` (the gateway does). */
  async presignedGetUrl(key: string): Promise<string | undefined> {
    assertArtifactKey(key);
    return undefined;
  }
}
