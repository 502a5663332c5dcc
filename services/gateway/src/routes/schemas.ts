import { IdSchema, TrackOptionsSchema, TrainOptionsSchema } from '@gsdyn/platform';
import { z } from 'zod';

/** The JSON schema of a zod schema, for the OpenAPI document only (requests are validated with zod itself). */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    unrepresentable: 'any',
    io: 'input',
  }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

export const PipelineRequestSchema = z
  .object({
    captureIds: z
      .array(IdSchema)
      .min(1)
      .max(1000)
      .refine((ids) => new Set(ids).size === ids.length, { message: 'expected distinct capture ids' }),
    track: TrackOptionsSchema.optional(),
    train: TrainOptionsSchema.optional(),
  })
  .strict();

export const JobIdParamsSchema = z.object({ id: IdSchema }).strict();
export const CaptureIdParamsSchema = z.object({ id: IdSchema }).strict();
export const ListQuerySchema = z
  .object({ limit: z.coerce.number().int().min(1).max(200).default(50) })
  .strict();

export const ErrorResponse = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        properties: { file: { type: 'string' }, field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

const StageStatusSchema = {
  type: 'object',
  properties: {
    stage: { type: 'string' },
    jobId: { type: 'string' },
    captureId: { type: 'string' },
    state: { type: 'string', enum: ['waiting', 'active', 'completed', 'failed', 'unknown'] },
    progress: { type: 'number' },
    phase: { type: 'string' },
    metrics: { type: 'object', additionalProperties: { type: 'number' } },
    error: { type: 'string' },
    attempts: { type: 'integer' },
    artifacts: { type: 'string', description: 'path under /v1/artifacts/' },
  },
} as const;

export const PipelineStatusResponse = {
  type: 'object',
  properties: {
    jobId: { type: 'string' },
    state: { type: 'string', enum: ['waiting', 'active', 'completed', 'failed'] },
    progress: { type: 'number' },
    createdAt: { type: 'string' },
    captureIds: { type: 'array', items: { type: 'string' } },
    stages: { type: 'array', items: StageStatusSchema },
  },
} as const;
