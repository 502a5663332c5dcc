import { CONFIG, type ConfigVariable } from '@gsdyn/platform';
import { z } from 'zod';

/**
 * Limits on one capture upload; each refused upload names the limit it broke. Set from the environment with
 * GSDYN_UPLOAD_MAX_BYTES, GSDYN_UPLOAD_MAX_EXTRACTED_BYTES, GSDYN_UPLOAD_MAX_FILES and GSDYN_UPLOAD_MAX_FILE_BYTES.
 */
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

const tableDefault = (v: ConfigVariable<number>): number => v.schema.parse(v.default);

/**
 * The defaults of the GSDYN_UPLOAD_* variables (4 GiB archive, 8 GiB extracted, 200,000 entries, 1 GiB per file),
 * read from the platform's table so that code and environment cannot disagree.
 */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxUploadBytes: tableDefault(CONFIG.uploadMaxBytes),
  maxExtractedBytes: tableDefault(CONFIG.uploadMaxExtractedBytes),
  maxFiles: tableDefault(CONFIG.uploadMaxFiles),
  maxFileBytes: tableDefault(CONFIG.uploadMaxFileBytes),
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
