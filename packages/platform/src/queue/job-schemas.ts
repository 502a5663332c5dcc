import { z } from 'zod';
import { isArtifactKey } from '../store/artifact-key.js';
import type { Stage } from './stages.js';

/** Ids that go into job ids and artifact keys: letters, digits, "_" and "-" (BullMQ forbids ":" in job ids). */
export const IdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, { message: 'expected 1 to 64 letters, digits, "_" or "-"' });

/** A key or prefix of the artifact store (a directory uploaded with putDirectory, or one object). */
export const ArtifactKeySchema = z.string().refine(isArtifactKey, {
  message: 'expected an artifact key: "/"-separated segments, none empty, "." or ".."',
});

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const SeedSchema = int(0, 2 ** 31 - 1);
const MetricsSchema = z.record(
  z.string(),
  z.number().refine(Number.isFinite, { message: 'expected a finite number' }),
);

/** What every stage job carries: the pipeline it belongs to, its owner (tenant) and where it writes. */
const JobBase = {
  pipelineId: IdSchema,
  /** The API key owner the job belongs to: the gateway shows a job only to its owner. */
  owner: IdSchema,
  /** Prefix the stage uploads its output directory to (putDirectory; complete once its manifest is there). */
  outputPrefix: ArtifactKeySchema,
};

/** Options of `gsdyn track` that a pipeline may set (defaults: the library's). */
export const TrackOptionsSchema = z
  .object({
    preset: z.enum(['gs-dynamics', 'dyn3dgs']).optional(),
    itersFirst: int(1, 1_000_000).optional(),
    iters: int(1, 1_000_000).optional(),
    points: int(1, 10_000_000).optional(),
    frames: int(1, 10_000_000).optional(),
    seed: SeedSchema.optional(),
    video: z.boolean().optional(),
    // Overrides of the preset's choices (TrackOptions in @gsdyn/track, `gsdyn track --help`); absent: the preset's.
    depthWeight: z.number().min(0).max(1e6).optional(),
    alignIters: int(0, 1_000_000).optional(),
    velocityScale: z.number().min(0).max(1).optional(),
    minVisibleWeight: z.number().min(0).max(1e9).optional(),
    neighbourSpread: z.number().min(1).max(1e6).optional(),
    occlusionAware: z.boolean().optional(),
    colorOffsetOnMask: z.boolean().optional(),
  })
  .strict();

/** Options of `gsdyn dataset` + `gsdyn train` that a pipeline may set. */
export const TrainOptionsSchema = z
  .object({
    object: z.enum(['rope', 'cloth', 'plush']).optional(),
    epochs: int(1, 1_000_000).optional(),
    steps: int(1, 1_000_000).optional(),
    batch: int(1, 4096).optional(),
    hidden: int(1, 4096).optional(),
    lr: z.number().min(1e-8).max(1).optional(),
    seed: SeedSchema.optional(),
  })
  .strict();

/** Options of `gsdyn eval-dynamics` that a pipeline may set. */
export const EvalOptionsSchema = z
  .object({
    windows: int(1, 100_000).optional(),
    baselineWindows: int(0, 100_000).optional(),
    baselineEvals: int(0, 1_000_000).optional(),
    seed: SeedSchema.optional(),
  })
  .strict();

/** Options of the render stage (a later issue extends them). */
export const RenderOptionsSchema = z
  .object({
    fps: int(1, 120).optional(),
  })
  .strict();

export const TrackPayloadSchema = z
  .object({
    ...JobBase,
    captureId: IdSchema,
    /** Prefix of the uploaded capture directory (an episode in our format). */
    captureKey: ArtifactKeySchema,
    options: TrackOptionsSchema.default({}),
  })
  .strict();

export const TrainPayloadSchema = z
  .object({
    ...JobBase,
    /**
     * Track directories to train on. Empty in a pipeline flow: the train job reads them from its children's
     * results (the track jobs), which exist only when it runs.
     */
    trackPrefixes: z.array(ArtifactKeySchema).default([]),
    options: TrainOptionsSchema.default({}),
  })
  .strict();

export const EvalPayloadSchema = z
  .object({
    ...JobBase,
    /** Model directory; absent in a flow (from the train child's result). */
    modelPrefix: ArtifactKeySchema.optional(),
    options: EvalOptionsSchema.default({}),
  })
  .strict();

export const RenderPayloadSchema = z
  .object({
    ...JobBase,
    modelPrefix: ArtifactKeySchema.optional(),
    options: RenderOptionsSchema.default({}),
  })
  .strict();

const ResultBase = {
  /** The uploaded output directory (complete: its manifest is written). */
  outputPrefix: ArtifactKeySchema,
  /** Scalar results worth showing in job status (errors in mm, losses, timings). */
  metrics: MetricsSchema.default({}),
};

export const TrackResultSchema = z.object({ ...ResultBase, captureId: IdSchema }).strict();
export const TrainResultSchema = z.object({ ...ResultBase }).strict();
export const EvalResultSchema = z.object({ ...ResultBase }).strict();
export const RenderResultSchema = z.object({ ...ResultBase }).strict();

/** The payload and result schema of every stage. */
export const STAGE_SCHEMAS = {
  track: { payload: TrackPayloadSchema, result: TrackResultSchema },
  train: { payload: TrainPayloadSchema, result: TrainResultSchema },
  eval: { payload: EvalPayloadSchema, result: EvalResultSchema },
  render: { payload: RenderPayloadSchema, result: RenderResultSchema },
} as const satisfies Record<Stage, { payload: z.ZodType; result: z.ZodType }>;

/** A stage's payload as validated (defaults filled in). */
export type StagePayload<S extends Stage> = z.output<(typeof STAGE_SCHEMAS)[S]['payload']>;
/** A stage's payload as given to addJob (defaults may be left out). */
export type StagePayloadInput<S extends Stage> = z.input<(typeof STAGE_SCHEMAS)[S]['payload']>;
export type StageResult<S extends Stage> = z.output<(typeof STAGE_SCHEMAS)[S]['result']>;
export type StageResultInput<S extends Stage> = z.input<(typeof STAGE_SCHEMAS)[S]['result']>;

/** Progress a stage reports (job.progress): the fraction done and what it is doing. */
export const StageProgressSchema = z
  .object({
    fraction: z.number().min(0).max(1),
    phase: z.string().max(200).optional(),
    metrics: MetricsSchema.optional(),
  })
  .strict();
export type StageProgress = z.output<typeof StageProgressSchema>;

export type TrackOptions = z.output<typeof TrackOptionsSchema>;
export type TrainOptions = z.output<typeof TrainOptionsSchema>;
export type EvalOptions = z.output<typeof EvalOptionsSchema>;
export type RenderOptions = z.output<typeof RenderOptionsSchema>;
