import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@gsdyn/formats';
import { z } from 'zod';
import { type BaselineOptions, DEFAULT_BASELINE_OPTIONS } from './baseline-options.js';
import { BASELINE_PARAM_NAMES, BASELINE_PARAM_RANGES, type BaselineParams } from './baseline-params.js';

/**
 * A fitted physics baseline on disk (JSON): the parameters, the simulator structure they were fitted with (their
 * meaning depends on it), and how the fit went.
 *
 *   { "format": "gsdyn.physics-baseline", "version": 1, "params": {...}, "options": {...}, "fit": {...} }
 */
export const BASELINE_FILE_FORMAT = 'gsdyn.physics-baseline';
export const BASELINE_FILE_VERSION = 1;

const paramShape = Object.fromEntries(
  BASELINE_PARAM_NAMES.map((name) => {
    const { lower, upper } = BASELINE_PARAM_RANGES[name];
    return [name, z.number().min(lower).max(upper)];
  }),
) as Record<keyof BaselineParams, z.ZodNumber>;

export const BaselineParamsSchema = z.strictObject(paramShape);

export const BaselineOptionsSchema = z.strictObject({
  springRadius: z.number().positive(),
  springNeighbours: z.number().int().positive(),
  substeps: z.number().int().positive(),
  maxSubstepTravel: z.number().positive(),
  iterations: z.number().int().positive(),
});

export const BaselineFitSummarySchema = z.strictObject({
  /** Mean particle error on the fitting windows, metres. */
  error: z.number().nonnegative(),
  initialError: z.number().nonnegative(),
  windows: z.number().int().positive(),
  evaluations: z.number().int().nonnegative(),
  seed: z.number().int(),
});

export const BaselineFileSchema = z.strictObject({
  format: z.literal(BASELINE_FILE_FORMAT),
  version: z.literal(BASELINE_FILE_VERSION),
  params: BaselineParamsSchema,
  options: BaselineOptionsSchema,
  fit: BaselineFitSummarySchema.optional(),
});

export type BaselineFitSummary = z.infer<typeof BaselineFitSummarySchema>;

export interface BaselineFile {
  params: BaselineParams;
  options: BaselineOptions;
  fit?: BaselineFitSummary;
}

/** The JSON text of a fitted baseline (validated first, so a bad value never reaches disk). */
export function serializeBaseline(file: {
  params: BaselineParams;
  options?: BaselineOptions;
  fit?: BaselineFitSummary;
}): string {
  const doc = {
    format: BASELINE_FILE_FORMAT,
    version: BASELINE_FILE_VERSION,
    params: file.params,
    options: file.options ?? DEFAULT_BASELINE_OPTIONS,
    ...(file.fit === undefined ? {} : { fit: file.fit }),
  };
  const checked = BaselineFileSchema.safeParse(doc);
  if (!checked.success)
    throw new RangeError(`serializeBaseline: ${describeIssues(checked.error, 'the baseline')}`);
  return `${JSON.stringify(checked.data, null, 2)}\n`;
}

/** Parses and validates baseline JSON text; `source` (a file name) is named in every error. */
export function parseBaseline(text: string, source: string): BaselineFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const checked = BaselineFileSchema.safeParse(json);
  if (!checked.success) throw new Error(describeIssues(checked.error, source));
  const { params, options, fit } = checked.data;
  return fit === undefined ? { params, options } : { params, options, fit };
}

export async function saveBaseline(
  path: string,
  file: { params: BaselineParams; options?: BaselineOptions; fit?: BaselineFitSummary },
): Promise<void> {
  await writeFileAtomic(path, serializeBaseline(file));
}

export async function loadBaseline(path: string): Promise<BaselineFile> {
  return parseBaseline(await readFile(path, 'utf8'), path);
}

function describeIssues(error: z.ZodError, source: string): string {
  return error.issues
    .map(
      (issue) => `${source}: field ${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`,
    )
    .join('; ');
}
