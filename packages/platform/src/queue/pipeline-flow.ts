import type { FlowJob, JobNode } from 'bullmq';
import { z } from 'zod';
import { joinKey } from '../store/artifact-key.js';
import {
  ArtifactKeySchema,
  EvalOptionsSchema,
  IdSchema,
  RenderOptionsSchema,
  STAGE_SCHEMAS,
  TrackOptionsSchema,
  TrainOptionsSchema,
} from './job-schemas.js';
import type { QueueRuntime } from './queue-runtime.js';
import { defaultJobOptions, type QueueSettings } from './queue-settings.js';
import { AFTER_TRAIN_STAGES, type Stage } from './stages.js';
import { describeZodError, InvalidInputError } from './unrecoverable.js';

export const PipelineSpecSchema = z
  .object({
    pipelineId: IdSchema,
    owner: IdSchema,
    captures: z
      .array(z.object({ captureId: IdSchema, captureKey: ArtifactKeySchema }).strict())
      .min(1)
      .max(1000)
      .refine((cs) => new Set(cs.map((c) => c.captureId)).size === cs.length, {
        message: 'expected distinct captureIds',
      }),
    track: TrackOptionsSchema.default({}),
    train: TrainOptionsSchema.default({}),
    /** Stages after train, in pipeline order (render is a later issue; no worker consumes it yet). */
    afterTrain: z
      .array(z.enum(AFTER_TRAIN_STAGES))
      .default([])
      .refine(
        (ss) =>
          ss.every(
            (s, i) => i === 0 || AFTER_TRAIN_STAGES.indexOf(ss[i - 1]) < AFTER_TRAIN_STAGES.indexOf(s),
          ),
        {
          message: `expected distinct stages in the order ${AFTER_TRAIN_STAGES.join(', ')}`,
        },
      ),
    eval: EvalOptionsSchema.default({}),
    render: RenderOptionsSchema.default({}),
  })
  .strict();

export type PipelineSpec = z.input<typeof PipelineSpecSchema>;

/** Where an owner's uploaded capture lives in the store. */
export function captureArtifactPrefix(owner: string, captureId: string): string {
  return joinKey('owners', owner, 'captures', captureId);
}

/** Where a pipeline stage writes its output (one directory per capture for track). */
export function pipelineOutputPrefix(
  owner: string,
  pipelineId: string,
  stage: Stage,
  captureId?: string,
): string {
  return joinKey('owners', owner, 'pipelines', pipelineId, stage, ...(captureId ? [captureId] : []));
}

/** Deterministic job ids (re-adding a pipeline adds nothing twice): `<pipelineId>.<stage>[.<captureId>]`. */
export function pipelineJobId(pipelineId: string, stage: Stage, captureId?: string): string {
  return [pipelineId, stage, ...(captureId ? [captureId] : [])].join('.');
}

/**
 * The BullMQ flow of a pipeline. In a flow the parent runs after all its children, so the tree is upside down
 * with respect to the pipeline: the root is the last stage (train, or eval / render when asked for), its child
 * the stage before, and the leaves are the track jobs, one per capture, which run first and in parallel.
 * Every job carries the retry options (a FlowProducer does not apply the queues' defaults), and a child that
 * fails for good fails its parent, so a pipeline ends either completed or failed and never waits forever.
 */
export function buildPipelineFlow(spec: PipelineSpec, settings: QueueSettings): FlowJob {
  const parsed = PipelineSpecSchema.safeParse(spec);
  if (!parsed.success) throw new InvalidInputError(describeZodError(parsed.error, 'pipeline'));
  const p = parsed.data;
  const base = { pipelineId: p.pipelineId, owner: p.owner };
  const opts = (stage: Stage, captureId?: string, child = true) => ({
    ...defaultJobOptions(settings),
    jobId: pipelineJobId(p.pipelineId, stage, captureId),
    ...(child ? { failParentOnFailure: true } : {}),
  });
  // Validate each payload as the worker will, so a bad pipeline is refused before anything is queued.
  const payload = <S extends Stage>(stage: S, data: unknown) => {
    const r = STAGE_SCHEMAS[stage].payload.safeParse(data);
    if (!r.success) throw new InvalidInputError(describeZodError(r.error, `${stage} payload`));
    return r.data;
  };

  const tracks: FlowJob[] = p.captures.map((c) => ({
    name: 'track',
    queueName: 'track',
    data: payload('track', {
      ...base,
      captureId: c.captureId,
      captureKey: c.captureKey,
      outputPrefix: pipelineOutputPrefix(p.owner, p.pipelineId, 'track', c.captureId),
      options: p.track,
    }),
    opts: opts('track', c.captureId),
  }));
  const chain: Stage[] = ['train', ...p.afterTrain];
  let node: FlowJob | undefined;
  for (const [i, stage] of chain.entries()) {
    const isRoot = i === chain.length - 1;
    const options = stage === 'train' ? p.train : stage === 'eval' ? p.eval : p.render;
    const extra = stage === 'train' ? { trackPrefixes: [] } : {};
    node = {
      name: stage,
      queueName: stage,
      data: payload(stage, {
        ...base,
        ...extra,
        outputPrefix: pipelineOutputPrefix(p.owner, p.pipelineId, stage),
        options,
      }),
      opts: opts(stage, undefined, !isRoot),
      children: node === undefined ? tracks : [node],
    };
  }
  return node!;
}

export interface PipelineJobs {
  /** The root job (the last stage): the pipeline is done when it is. */
  rootJobId: string;
  rootStage: Stage;
  /** Every job of the pipeline, by stage, in pipeline order. */
  jobs: { stage: Stage; jobId: string; captureId?: string }[];
  node: JobNode;
}

/** Queues a pipeline flow; see buildPipelineFlow. */
export async function addPipelineFlow(runtime: QueueRuntime, spec: PipelineSpec): Promise<PipelineJobs> {
  const flow = buildPipelineFlow(spec, runtime.settings);
  const node = await runtime.flowProducer().add(flow);
  const jobs: PipelineJobs['jobs'] = [];
  const visit = (f: FlowJob) => {
    for (const child of f.children ?? []) visit(child);
    const data = f.data as { captureId?: string };
    jobs.push({
      stage: f.queueName as Stage,
      jobId: f.opts?.jobId as string,
      ...(data.captureId ? { captureId: data.captureId } : {}),
    });
  };
  visit(flow);
  return { rootJobId: flow.opts?.jobId as string, rootStage: flow.queueName as Stage, jobs, node };
}
