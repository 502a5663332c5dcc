import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { HttpError, payloadTooLarge, unprocessable } from '../http-error.js';
import { safeEntryPath } from './entry-path.js';
import type { ExtractionBudget } from './extraction-budget.js';
import { formatBytes } from './limits.js';

const LINK_TYPES = new Set(['symlink', 'link']);
// Tar pads to 512-byte blocks and ends with two zero blocks: room for that on top of the file bytes.
const TAR_OVERHEAD_SLACK = 1024 * 1024;

function tarError(error: unknown, gzip: boolean): unknown {
  if (error instanceof HttpError) return error;
  const message = (error as Error).message ?? String(error);
  if (/unexpected end|premature close|end of file/i.test(message))
    return unprocessable(
      `truncated archive: the ${gzip ? 'gzip' : 'tar'} stream ends in the middle of an entry (${message})`,
    );
  if ((error as NodeJS.ErrnoException).code?.startsWith('Z_') || /incorrect header|invalid/i.test(message))
    return unprocessable(`corrupt ${gzip ? 'tar.gz' : 'tar'} archive: ${message}`);
  return error;
}

/**
 * Extracts a .tar or .tar.gz file into the budget's directory: regular files and directories only (links and
 * devices are refused), every path checked by safeEntryPath, every size by the budget.
 */
export async function extractTar(file: string, budget: ExtractionBudget, gzip: boolean): Promise<void> {
  const source = createReadStream(file);
  const extract = tar.extract();
  const limit = budget.limits.maxExtractedBytes + TAR_OVERHEAD_SLACK;
  let inflated = 0;
  // A gzip stream of nothing but zero blocks never produces an entry; bound the inflated bytes as well.
  const inflateGuard = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      inflated += chunk.length;
      if (inflated > limit)
        callback(
          payloadTooLarge(`archive inflates beyond ${formatBytes(limit)} (the limit on extracted bytes)`),
        );
      else callback(null, chunk);
    },
  });
  const feeding = gzip ? pipeline(source, createGunzip(), inflateGuard, extract) : pipeline(source, extract);
  // Errors of the feeding side reach the loop through the extract stream; the promise only needs a handler.
  let current: Readable | undefined;
  const fed = feeding.then(
    () => undefined,
    (error: unknown) => {
      // tar-stream does not fail the entry being read when its input ends early: fail it here.
      current?.destroy(error as Error);
      return error;
    },
  );
  try {
    for await (const entry of extract) {
      current = entry as unknown as Readable;
      const { header } = entry;
      const path = safeEntryPath(header.name);
      if (LINK_TYPES.has(header.type ?? ''))
        throw unprocessable(
          `archive entry ${JSON.stringify(header.name)} is a ${header.type === 'link' ? 'hard link' : 'symbolic link'}: links are not allowed`,
        );
      if (path === undefined) {
        entry.resume();
        continue;
      }
      budget.countEntry(path);
      if (header.type === 'directory') {
        await budget.directory(path);
        entry.resume();
      } else if (header.type === 'file' || header.type === 'contiguous-file') {
        budget.declare(path, header.size ?? 0);
        // Node's pipeline misses the errors of tar-stream's (streamx) entries; a node Readable over it does not.
        await budget.file(path, Readable.from(entry));
      } else {
        throw unprocessable(
          `archive entry ${JSON.stringify(header.name)} is a ${header.type}: only files and folders are allowed`,
        );
      }
    }
  } catch (error) {
    source.destroy();
    const feedError = await fed;
    // A limit hit while inflating is the real cause of the extract stream's failure.
    throw tarError(feedError instanceof HttpError ? feedError : error, gzip);
  }
  const feedError = await fed;
  if (feedError !== undefined) throw tarError(feedError, gzip);
}
