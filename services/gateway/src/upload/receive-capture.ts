import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { validateEpisode } from '@gsdyn/formats';
import { type ArtifactStore, captureArtifactPrefix, putDirectory } from '@gsdyn/platform';
import { HttpError, payloadTooLarge, unprocessable } from '../http-error.js';
import { type ArchiveFormat, sniffArchiveFormat } from './archive-format.js';
import { extractTar } from './extract-tar.js';
import { extractZip } from './extract-zip.js';
import { ExtractionBudget } from './extraction-budget.js';
import { formatBytes, type UploadLimits } from './limits.js';
import { locateEpisode } from './locate-episode.js';

/** The file part of a multipart upload: @fastify/multipart marks it truncated when it passed limits.fileSize. */
export type UploadStream = Readable & { truncated?: boolean };

export interface ReceiveCaptureOptions {
  store: ArtifactStore;
  owner: string;
  limits: UploadLimits;
  /** Where uploads are staged while they are checked (removed afterwards, whatever happens). */
  tempRoot: string;
  /** The client's file name, kept in the artifact manifest's meta. */
  filename?: string;
}

export interface StoredCapture {
  captureId: string;
  /** Store prefix of the episode directory. */
  key: string;
  format: ArchiveFormat;
  source: 'gsdyn' | 'gs-dynamics';
  files: number;
  bytes: number;
  warnings: string[];
}

function tooLarge(limits: UploadLimits) {
  return payloadTooLarge(
    `upload is larger than ${formatBytes(limits.maxUploadBytes)} (the limit on the uploaded archive)`,
  );
}

/**
 * Takes one capture upload through every check and into the store: the archive is streamed to a temporary file
 * (never held in memory), extracted safely under the limits, located (a gs-dynamics episode is converted),
 * validated with the formats validator, and only then uploaded with putDirectory. Every refusal is an HttpError
 * naming the problem; on any failure nothing stays behind, neither the temporary files nor a partial artifact.
 */
export async function receiveCapture(
  body: UploadStream,
  options: ReceiveCaptureOptions,
): Promise<StoredCapture> {
  const { limits, store } = options;
  await mkdir(options.tempRoot, { recursive: true });
  const work = await mkdtemp(join(options.tempRoot, 'gsdyn-upload-'));
  try {
    const archive = join(work, 'upload');
    try {
      await pipeline(body, createWriteStream(archive, { flags: 'wx' }));
    } catch (error) {
      const e = error as { code?: string; statusCode?: number; message?: string };
      if (e.code === 'FST_REQ_FILE_TOO_LARGE' || e.statusCode === 413) throw tooLarge(limits);
      throw new HttpError(
        400,
        'upload_failed',
        `the upload did not arrive whole: ${e.message ?? String(error)}`,
      );
    }
    if (body.truncated) throw tooLarge(limits);

    const format = await sniffArchiveFormat(archive);
    if (format === undefined)
      throw unprocessable(
        `${options.filename ?? 'the upload'} is not a .tar, .tar.gz or .zip archive (checked by its first bytes)`,
      );
    const extracted = join(work, 'extracted');
    await mkdir(extracted);
    const budget = new ExtractionBudget(extracted, limits);
    if (format === 'zip') await extractZip(archive, budget);
    else await extractTar(archive, budget, format === 'tar.gz');
    await rm(archive);

    const episode = await locateEpisode(extracted, join(work, 'converted'));
    const problems = await validateEpisode(episode.dir);
    if (problems.length > 0)
      throw unprocessable(
        `the capture is not a valid episode (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
        problems.map((p) => ({ file: p.file, ...(p.field ? { field: p.field } : {}), message: p.message })),
      );

    const captureId = randomUUID();
    const key = captureArtifactPrefix(options.owner, captureId);
    try {
      const manifest = await putDirectory(store, episode.dir, key, {
        meta: {
          kind: 'capture',
          owner: options.owner,
          source: episode.source,
          format,
          uploadedAt: new Date().toISOString(),
          ...(options.filename ? { filename: options.filename.slice(0, 200) } : {}),
        },
      });
      return {
        captureId,
        key,
        format,
        source: episode.source,
        files: manifest.files.length,
        bytes: manifest.files.reduce((s, f) => s + f.size, 0),
        warnings: episode.warnings,
      };
    } catch (error) {
      // The manifest is written last, so the partial directory was never visible as complete; remove its files.
      await store.deletePrefix(`${key}/`).catch(() => undefined);
      throw error;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
