import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3StoreConfig } from '../config/load-config.js';

export interface LocalS3Options {
  /** Default: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Created at start (default `gsdyn-test`). */
  bucket?: string;
  /** Where s3rver keeps the objects (default: a new temporary directory, removed by stop()). */
  directory?: string;
}

export interface LocalS3 {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly bucket: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly directory: string;
  /** The same, as the `store` part of a PlatformConfig. */
  readonly storeConfig: S3StoreConfig;
  /** How many ListMultipartUploads requests the front answered. */
  readonly listUploadsAnswered: number;
  /** How many AbortMultipartUpload requests the front answered. */
  readonly abortsAnswered: number;
  /** Multipart uploads started and neither completed nor aborted (s3rver keeps their parts on disk). */
  pendingUploads(): Promise<number>;
  stop(): Promise<void>;
}

// s3rver's built-in account.
const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';
const REGION = 'us-east-1';

interface S3rverInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  configureBuckets(): Promise<unknown>;
  logger?: { close(): void };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/** GET /<bucket>?uploads: ListMultipartUploads, which s3rver answers NotImplemented. */
function listUploadsBucket(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET' || req.url === undefined) return undefined;
  const url = new URL(req.url, 'http://front');
  const segments = url.pathname.split('/').filter((s) => s !== '');
  if (segments.length !== 1 || !url.searchParams.has('uploads')) return undefined;
  return decodeURIComponent(segments[0]);
}

/** DELETE /<bucket>/<key>?uploadId=<id>: AbortMultipartUpload, which s3rver refuses (MethodNotAllowed). */
function abortUpload(req: IncomingMessage): { bucket: string; uploadId: string } | undefined {
  if (req.method !== 'DELETE' || req.url === undefined) return undefined;
  const url = new URL(req.url, 'http://front');
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const uploadId = url.searchParams.get('uploadId');
  if (segments.length < 2 || uploadId === null || !/^[0-9a-f]{1,64}$/.test(uploadId)) return undefined;
  return { bucket: decodeURIComponent(segments[0]), uploadId };
}

function emptyUploadList(bucket: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Bucket>${bucket.replace(/[<>&]/g, '')}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
    '<NextKeyMarker></NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker><MaxUploads>1000</MaxUploads>' +
    '<IsTruncated>false</IsTruncated></ListMultipartUploadsResult>'
  );
}

// Where s3rver's filesystem store keeps the parts of multipart uploads in progress.
const uploadsDir = (directory: string, bucket: string) => join(directory, bucket, '._S3rver_uploads');

/**
 * A real S3 HTTP endpoint on loopback for tests and the local stack: s3rver (a devDependency, loaded only here)
 * behind a small front for the two multipart calls s3rver lacks: ListMultipartUploads (answered with an empty
 * list; the minio client calls it before its own multipart uploads) and AbortMultipartUpload (the parts are
 * deleted). The front does not check signatures on those two: it is for loopback use only.
 */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const require = createRequire(import.meta.url);
  const S3rver = require('s3rver') as S3rverConstructor;
  const bucket = options.bucket ?? 'gsdyn-test';
  const host = options.host ?? '127.0.0.1';
  const ownDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'gsdyn-s3-')));
  const s3 = new S3rver({
    directory,
    silent: true,
    vhostBuckets: false,
    resetOnClose: false,
    configureBuckets: [{ name: bucket }],
  });
  await s3.configureBuckets();
  const handle = s3.callback();
  let listUploadsAnswered = 0;
  let abortsAnswered = 0;
  const server = createServer((req, res) => {
    const listBucket = listUploadsBucket(req);
    if (listBucket !== undefined) {
      listUploadsAnswered++;
      req.resume();
      const body = emptyUploadList(listBucket);
      res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const abort = abortUpload(req);
    if (abort !== undefined) {
      abortsAnswered++;
      req.resume();
      rm(join(uploadsDir(directory, abort.bucket), abort.uploadId), { recursive: true, force: true }).then(
        () => res.writeHead(204).end(),
        () => res.writeHead(500).end(),
      );
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const endpoint = `http://${host}:${port}`;
  return {
    endpoint,
    port,
    region: REGION,
    bucket,
    accessKey: ACCESS_KEY,
    secretKey: SECRET_KEY,
    directory,
    storeConfig: {
      kind: 's3',
      endpoint,
      publicEndpoint: endpoint,
      region: REGION,
      bucket,
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
    },
    get listUploadsAnswered() {
      return listUploadsAnswered;
    },
    get abortsAnswered() {
      return abortsAnswered;
    },
    async pendingUploads() {
      try {
        return (await readdir(uploadsDir(directory, bucket))).length;
      } catch {
        return 0;
      }
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Clients keep connections alive; close them or close() waits for them.
      server.closeAllConnections();
      await closed;
      s3.logger?.close();
      if (ownDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}
