import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ArtifactBody } from './artifact-store.js';

/** The body as a sequence of Buffers (strings from text-mode streams are UTF-8 encoded). */
export async function* bodyChunks(body: ArtifactBody): AsyncGenerator<Buffer> {
  if (body instanceof Uint8Array) {
    yield Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return;
  }
  for await (const chunk of body) {
    if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else if (chunk instanceof Uint8Array) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new TypeError(`artifact body: expected chunks of bytes or strings, got ${typeof chunk}`);
  }
}

/** Reads a whole stream into one Buffer. */
export async function collect(body: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of bodyChunks(body)) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * Streams the body into a new local file (`wx`: it must not exist yet), hashing it on the way; `flush` syncs the
 * file before it is closed (for files that are renamed into place as the stored object).
 */
export async function writeBodyToFile(
  body: ArtifactBody,
  path: string,
  options: { flush?: boolean } = {},
): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    bodyChunks(body),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(path, { flags: 'wx', flush: options.flush ?? false }),
  );
  return { size, sha256: hash.digest('hex') };
}
