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
