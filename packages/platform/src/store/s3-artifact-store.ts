import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Client } from 'minio';
import { assertArtifactKey, assertArtifactPrefix } from './artifact-key.js';
import {
  type ArtifactBody,
  type ArtifactInfo,
  ArtifactNotFoundError,
  type ArtifactStore,
  DEFAULT_PRESIGN_SECONDS,
  type PutOptions,
  type PutResult,
} from './artifact-store.js';
import { bodyChunks, collect } from './body-chunks.js';

/** Multipart part size: fixed, so memory per upload stays at about one part whatever the object size. */
export const S3_PART_SIZE = 8 * 1024 * 1024;
const SMALL_BODY = 1024 * 1024;

export interface S3StoreOptions {
  /** `http(s)://host[:port]`. */
  endpoint: string;
  /** Endpoint written into presigned URLs (default: `endpoint`). */
  publicEndpoint?: string;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  /** At least 5 MiB (the S3 minimum for all parts but the last). */
  partSize?: number;
}

function clientFor(endpoint: string, options: S3StoreOptions, partSize: number): Client {
  const url = new URL(endpoint);
  const useSSL = url.protocol === 'https:';
  return new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    region: options.region,
    partSize,
    pathStyle: true,
  });
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isNotFound(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'NotFound' || code === 'NoSuchKey';
}

/**
 * The artifact store on an S3-compatible server, through the minio client.
 *
 * Atomicity relies on S3's own guarantee that an object appears only when its PUT, or the CompleteMultipartUpload
 * of its parts, succeeds; no temporary key is needed (a temporary key plus CopyObject would write every byte
 * twice and CopyObject stops at 5 GiB). The body is cut into fixed parts here rather than by minio's putObject,
 * because minio's stream upload never settles when the source stream fails (it pipes without forwarding errors)
 * and asks ListMultipartUploads first to resume uploads, which s3rver does not implement. A body that ends within
 * the first part goes up in one PUT; a longer one as a multipart upload that is aborted when the body fails, so
 * nothing becomes visible and no parts are left behind.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3';
  readonly bucket: string;
  readonly partSize: number;
  private readonly client: Client;
  private readonly presignClient: Client;

  constructor(options: S3StoreOptions) {
    this.partSize = options.partSize ?? S3_PART_SIZE;
    if (!Number.isInteger(this.partSize) || this.partSize < 5 * 1024 * 1024)
      throw new RangeError(`partSize ${this.partSize}: expected an integer of at least 5 MiB`);
    this.bucket = options.bucket;
    this.client = clientFor(options.endpoint, options, this.partSize);
    this.presignClient =
      options.publicEndpoint && options.publicEndpoint !== options.endpoint
        ? clientFor(options.publicEndpoint, options, this.partSize)
        : this.client;
  }

  /** Creates the bucket when it does not exist yet. */
  async ensureBucket(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) {
      try {
        await this.client.makeBucket(this.bucket);
      } catch (error) {
        // Another service created it between the two calls.
        if (errorCode(error) !== 'BucketAlreadyOwnedByYou' && errorCode(error) !== 'BucketAlreadyExists')
          throw error;
      }
    }
  }

  async put(key: string, body: ArtifactBody, options: PutOptions = {}): Promise<PutResult> {
    assertArtifactKey(key);
    const headers: Record<string, string> = options.contentType
      ? { 'Content-Type': options.contentType }
      : {};
    const hash = createHash('sha256');
    let size = 0;
    // Small bodies are gathered as they come; past SMALL_BODY one part buffer is allocated and reused for every
    // part, so an upload holds one part (plus a chunk) whatever its size.
    let small: Buffer[] = [];
    let smallBytes = 0;
    let part: Buffer | undefined;
    let filled = 0;
    let uploadId: string | undefined;
    const parts: { part: number; etag: string }[] = [];

    const uploadPart = async (bytes: Buffer) => {
      uploadId ??= await this.client.initiateNewMultipartUpload(this.bucket, key, headers);
      const partNumber = parts.length + 1;
      const md5 = createHash('md5').update(bytes).digest('base64');
      const res = await this.client.uploadPart(
        {
          bucketName: this.bucket,
          objectName: key,
          uploadID: uploadId,
          partNumber,
          headers: { 'Content-MD5': md5 },
        },
        bytes,
      );
      parts.push({ part: partNumber, etag: res.etag });
    };
    const append = async (chunk: Buffer, into: Buffer) => {
      for (let offset = 0; offset < chunk.length; ) {
        const n = Math.min(into.length - filled, chunk.length - offset);
        chunk.copy(into, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled === into.length) {
          await uploadPart(into);
          filled = 0;
        }
      }
    };

    try {
      for await (const chunk of bodyChunks(body)) {
        hash.update(chunk);
        size += chunk.length;
        if (part !== undefined) {
          await append(chunk, part);
          continue;
        }
        small.push(chunk);
        smallBytes += chunk.length;
        if (smallBytes >= SMALL_BODY) {
          part = Buffer.allocUnsafe(this.partSize);
          const gathered = small;
          small = [];
          for (const c of gathered) await append(c, part);
        }
      }
      if (part === undefined) {
        await this.client.putObject(this.bucket, key, Buffer.concat(small, smallBytes), smallBytes, headers);
      } else if (uploadId === undefined) {
        await this.client.putObject(this.bucket, key, part.subarray(0, filled), filled, headers);
      } else {
        if (filled > 0) await uploadPart(part.subarray(0, filled));
        await this.client.completeMultipartUpload(this.bucket, key, uploadId, parts);
      }
    } catch (error) {
      if (uploadId !== undefined)
        await this.client.abortMultipartUpload(this.bucket, key, uploadId).catch(() => undefined);
      throw error;
    }
    return { key, size, sha256: hash.digest('hex') };
  }

  async get(key: string): Promise<Readable> {
    assertArtifactKey(key);
    try {
      return await this.client.getObject(this.bucket, key);
    } catch (error) {
      if (isNotFound(error)) throw new ArtifactNotFoundError(key);
      throw error;
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    return collect(await this.get(key));
  }

  async head(key: string): Promise<ArtifactInfo | undefined> {
    assertArtifactKey(key);
    try {
      const s = await this.client.statObject(this.bucket, key);
      return { key, size: s.size, lastModified: s.lastModified };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async list(prefix: string): Promise<ArtifactInfo[]> {
    assertArtifactPrefix(prefix);
    const out: ArtifactInfo[] = [];
    for await (const item of this.client.listObjectsV2(this.bucket, prefix, true)) {
      if (item.name !== undefined)
        out.push({ key: item.name, size: item.size, lastModified: item.lastModified ?? new Date(0) });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    assertArtifactKey(key);
    await this.client.removeObject(this.bucket, key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    if (objects.length === 0) return 0;
    // minio batches DeleteObjects by 1000 keys and reports per-key failures instead of throwing.
    const results = await this.client.removeObjects(
      this.bucket,
      objects.map((o) => o.key),
    );
    const failed = results.filter((r) => r?.Error);
    if (failed.length > 0) {
      const first = failed[0]?.Error;
      throw new Error(
        `could not delete ${failed.length} of ${objects.length} objects under ${JSON.stringify(prefix)}, e.g. ${first?.Key}: ${first?.Code} ${first?.Message}`,
      );
    }
    return objects.length;
  }

  async presignedGetUrl(key: string, expiresSeconds = DEFAULT_PRESIGN_SECONDS): Promise<string> {
    assertArtifactKey(key);
    if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > 7 * 24 * 3600)
      throw new RangeError(`expiresSeconds ${expiresSeconds}: expected an integer from 1 to 604800`);
    return this.presignClient.presignedGetObject(this.bucket, key, expiresSeconds);
  }
}
