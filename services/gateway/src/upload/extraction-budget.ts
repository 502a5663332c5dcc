import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { payloadTooLarge, unprocessable } from '../http-error.js';
import { formatBytes, type UploadLimits } from './limits.js';

/**
 * Writes archive entries under one directory while enforcing the upload limits on both the sizes entries declare
 * (refused before a byte is written) and the bytes they actually expand to (counted while streaming, so an entry
 * that lies about its size is cut off at the limit).
 */
export class ExtractionBudget {
  private entries = 0;
  private declaredBytes = 0;
  private writtenBytes = 0;

  constructor(
    readonly root: string,
    readonly limits: UploadLimits,
  ) {}

  /** Counts one entry (file or directory) against maxFiles. */
  countEntry(path: string): void {
    this.entries++;
    if (this.entries > this.limits.maxFiles)
      throw payloadTooLarge(
        `archive has more than ${this.limits.maxFiles} entries (the limit; refused at ${JSON.stringify(path)})`,
      );
  }

  /** Checks an entry's declared size against the per-file and total limits. */
  declare(path: string, size: number): void {
    if (size > this.limits.maxFileBytes)
      throw payloadTooLarge(
        `archive entry ${JSON.stringify(path)} declares ${formatBytes(size)}, more than the ${formatBytes(this.limits.maxFileBytes)} allowed per file`,
      );
    this.declaredBytes += size;
    if (this.declaredBytes > this.limits.maxExtractedBytes)
      throw payloadTooLarge(
        `archive expands to more than ${formatBytes(this.limits.maxExtractedBytes)} (the limit on extracted bytes; reached at ${JSON.stringify(path)})`,
      );
  }

  async directory(path: string): Promise<void> {
    await mkdir(join(this.root, ...path.split('/')), { recursive: true });
  }

  /** Streams one file entry to disk; refuses duplicates and stops as soon as a limit is passed. */
  async file(path: string, body: Readable): Promise<number> {
    const target = join(this.root, ...path.split('/'));
    try {
      await mkdir(dirname(target), { recursive: true });
    } catch (error) {
      body.resume();
      throw unprocessable(
        `archive entry ${JSON.stringify(path)}: cannot create its folder (${(error as NodeJS.ErrnoException).code ?? 'error'}: a file has the name of one of its folders)`,
      );
    }
    let size = 0;
    const budget = this;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        budget.writtenBytes += chunk.length;
        if (size > budget.limits.maxFileBytes)
          callback(
            payloadTooLarge(
              `archive entry ${JSON.stringify(path)} expands beyond ${formatBytes(budget.limits.maxFileBytes)} (the limit per file)`,
            ),
          );
        else if (budget.writtenBytes > budget.limits.maxExtractedBytes)
          callback(
            payloadTooLarge(
              `archive expands beyond ${formatBytes(budget.limits.maxExtractedBytes)} (the limit on extracted bytes; reached in ${JSON.stringify(path)})`,
            ),
          );
        else callback(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(target, { flags: 'wx' }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw unprocessable(`archive entry ${JSON.stringify(path)} appears twice`);
      if (
        (error as NodeJS.ErrnoException).code === 'EISDIR' ||
        (error as NodeJS.ErrnoException).code === 'ENOTDIR'
      )
        throw unprocessable(`archive entry ${JSON.stringify(path)} clashes with a folder of the same name`);
      throw error;
    }
    return size;
  }

  get totalBytes(): number {
    return this.writtenBytes;
  }

  get entryCount(): number {
    return this.entries;
  }
}
