import type { Readable } from 'node:stream';

/** Bytes to store: a buffer, or a stream (any async iterable of chunks: a Node Readable, a web ReadableStream). */
export type ArtifactBody = Uint8Array | AsyncIterable<Uint8Array | string>;

export interface PutOptions {
  /** Content-Type served with the object (S3; presigned downloads). */
  contentType?: string;
}

export interface PutResult {
  key: string;
  size: number;
  /** sha256 of the bytes written, hex. */
  sha256: string;
}

export interface ArtifactInfo {
  key: string;
  size: number;
  lastModified: Date;
}

/**
 * Where artifacts live: the local filesystem (embedded mode) or S3-compatible storage (distributed mode).
 * Keys are "/"-separated relative paths (see assertArtifactKey).
 *
 * put is atomic: readers see the previous object (or none) until the new one is complete, and a body that fails
 * (a stream error, an aborted upload) leaves nothing visible.
 */
export interface ArtifactStore {
  readonly kind: 'fs' | 's3';
  /** Writes (or replaces) an object, atomically; resolves with its size and sha256. */
  put(key: string, body: ArtifactBody, options?: PutOptions): Promise<PutResult>;
  /** Streams an object; rejects with ArtifactNotFoundError when it does not exist. */
  get(key: string): Promise<Readable>;
  /** The whole object in memory (small objects: manifests, JSON). */
  getBuffer(key: string): Promise<Buffer>;
  /** Size and modification time, or undefined when the object does not exist. */
  head(key: string): Promise<ArtifactInfo | undefined>;
  exists(key: string): Promise<boolean>;
  /** Every object whose key starts with `prefix` (a plain string prefix, as in S3), sorted by key. */
  list(prefix: string): Promise<ArtifactInfo[]>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object under a prefix; resolves with how many there were. */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * A URL a client can download the object from without credentials, valid for `expiresSeconds`; undefined when
   * the store cannot make one (the fs store: the caller streams `get` itself).
   */
  presignedGetUrl(key: string, expiresSeconds?: number): Promise<string | undefined>;
}

export class ArtifactNotFoundError extends Error {
  override name = 'ArtifactNotFoundError';
  readonly code = 'ENOENT';
  constructor(readonly key: string) {
    super(`artifact ${JSON.stringify(key)} does not exist`);
  }
}

export const DEFAULT_PRESIGN_SECONDS = 15 * 60;
