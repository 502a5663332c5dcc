import { z } from 'zod';

/** Limits on one capture upload; each refused upload names the limit it broke. */
export interface UploadLimits {
  /** Bytes of the uploaded archive itself (the multipart file). */
  maxUploadBytes: number;
  /** Bytes of all extracted files together (what a zip or gzip bomb would blow up). */
  maxExtractedBytes: number;
  /** Entries (files and directories) in the archive. */
  maxFiles: number;
  /** Bytes of any one extracted file. */
  maxFileBytes: number;
}

const GiB = 1024 ** 3;

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxUploadBytes: 4 * GiB,
  maxExtractedBytes: 8 * GiB,
  maxFiles: 200_000,
  maxFileBytes: 1 * GiB,
};

const positive = z.number().int().positive();
const UploadLimitsSchema = z
  .object({
    maxUploadBytes: positive,
    maxExtractedBytes: positive,
    maxFiles: positive,
    maxFileBytes: positive,
  })
  .strict();

/** The defaults with `overrides` applied; a RangeError names any limit that is not a positive integer. */
export function resolveUploadLimits(overrides: Partial<UploadLimits> = {}): UploadLimits {
  const merged = { ...DEFAULT_UPLOAD_LIMITS, ...overrides };
  const parsed = UploadLimitsSchema.safeParse(merged);
  if (!parsed.success)
    throw new RangeError(
      `upload limits: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export function formatBytes(n: number): string {
  if (n >= GiB) return `${+(n / GiB).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(2)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(2)} KiB`;
  return `${n} bytes`;
}
