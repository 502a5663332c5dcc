import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentKey, sha256Hex } from './artifact-key.js';
import type { ArtifactBody, ArtifactStore, PutOptions } from './artifact-store.js';
import { writeBodyToFile } from './body-chunks.js';

export interface ContentAddressedResult {
  key: string;
  size: number;
  sha256: string;
  /** True when an object with these bytes was already there and nothing was uploaded. */
  existed: boolean;
}

/**
 * Stores bytes under their content key (`<prefix>/sha256/<hex><extension>`), skipping the upload when that key
 * already exists: a retried job that uploads the same result again writes nothing and gets the same key. A stream
 * is spooled to a local temporary file first, because its key is known only once all of it has been hashed.
 */
export async function putContentAddressed(
  store: ArtifactStore,
  prefix: string,
  body: ArtifactBody,
  options: PutOptions & { extension?: string; tmpDir?: string } = {},
): Promise<ContentAddressedResult> {
  if (body instanceof Uint8Array) {
    const sha256 = sha256Hex(body);
    const key = contentKey(prefix, sha256, options.extension);
    if (await store.exists(key)) return { key, size: body.byteLength, sha256, existed: true };
    await store.put(key, body, options);
    return { key, size: body.byteLength, sha256, existed: false };
  }
  const dir = options.tmpDir ?? tmpdir();
  await mkdir(dir, { recursive: true });
  const spool = join(dir, `gsdyn-spool-${randomUUID()}`);
  try {
    const { size, sha256 } = await writeBodyToFile(body, spool);
    const key = contentKey(prefix, sha256, options.extension);
    if (await store.exists(key)) return { key, size, sha256, existed: true };
    const put = await store.put(key, createReadStream(spool), options);
    if (put.sha256 !== sha256) throw new Error(`${spool}: changed while it was uploaded to ${key}`);
    return { key, size, sha256, existed: false };
  } finally {
    await rm(spool, { force: true });
  }
}
