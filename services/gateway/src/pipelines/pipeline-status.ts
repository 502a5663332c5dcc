import { joinKey, type QueueRuntime, type Stage } from '@gsdyn/platform';
import type { PipelineRecord } from './pipeline-registry.js';

export type PipelineState = 'waiting' | 'active' | 'completed' | 'failed';
/** `unknown`: the job is gone from Redis (removed after its retention time). */
export type StageState = PipelineState | 'unknown';

export interface StageStatus {
  stage: Stage;
  jobId: string;
  captureId?: string;
  state: StageState;
  /** Fraction done, 0..1. */
  progress: number;
  phase?: string;
  metrics: Record<string, number>;
  /** Why the last attempt failed (also while a retry is pending). */
  error?: string;
  attempts: number;
  /** Where its output can be downloaded: a path under /v1/artifacts/ (when completed). */
  artifacts?: string;
}

export interface PipelineStatus {
  jobId: string;
  state: PipelineState;
  progress: number;
  createdAt: string;
  captureIds: string[];
  stages: StageStatus[];
}

type BullState = Awaited<
  ReturnType<NonNullable<Awaited<ReturnType<ReturnType<QueueRuntime['queue']>['getJob']>>>['getState']>
>;

function stageState(state: BullState | string): StageState {
  switch (state) {
    case 'completed':
    case 'failed':
    case 'active':
      return state;
    case 'waiting':
    case 'waiting-children':
    case 'delayed':
    case 'prioritized':
    case 'paused':
      return 'waiting';
    default:
      return 'unknown';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finiteMetrics(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (isRecord(v))
    for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
  return out;
}

/** The artifact path a client downloads from (under /v1/artifacts/), from a store prefix of this owner. */
export function ownerRelativeKey(owner: string, key: string): string | undefined {
  const base = `${joinKey('owners', owner)}/`;
  return key.startsWith(base) ? key.slice(base.length) : undefined;
}

async function stageStatus(
  runtime: QueueRuntime,
  owner: string,
  entry: PipelineRecord['jobs'][number],
): Promise<StageStatus> {
  const base = {
    stage: entry.stage,
    jobId: entry.jobId,
    ...(entry.captureId ? { captureId: entry.captureId } : {}),
  };
  const job = await runtime.queue(entry.stage).getJob(entry.jobId);
  if (!job) return { ...base, state: 'unknown', progress: 0, metrics: {}, attempts: 0 };
  const state = stageState(await job.getState());
  const progress = job.progress as unknown;
  const fraction =
    state === 'completed'
      ? 1
      : typeof progress === 'number'
        ? progress > 1
          ? progress / 100
          : progress
        : isRecord(progress) && typeof progress.fraction === 'number'
          ? progress.fraction
          : 0;
  const result = job.returnvalue as unknown;
  const metrics =
    state === 'completed' && isRecord(result)
      ? finiteMetrics(result.metrics)
      : isRecord(progress)
        ? finiteMetrics(progress.metrics)
        : {};
  const output =
    state === 'completed' && isRecord(result) && typeof result.outputPrefix === 'string'
      ? result.outputPrefix
      : undefined;
  const artifacts = output === undefined ? undefined : ownerRelativeKey(owner, output);
  return {
    ...base,
    state,
    progress: Math.min(1, Math.max(0, fraction)),
    ...(isRecord(progress) && typeof progress.phase === 'string' && state !== 'completed'
      ? { phase: progress.phase }
      : {}),
    metrics,
    ...(job.failedReason ? { error: job.failedReason } : {}),
    attempts: job.attemptsMade,
    ...(artifacts ? { artifacts } : {}),
  };
}

/**
 * The state of a pipeline from its BullMQ jobs: failed when any job failed for good, completed when the root job
 * (the last stage) completed, active once any job has started, waiting before.
 */
export async function pipelineStatus(runtime: QueueRuntime, record: PipelineRecord): Promise<PipelineStatus> {
  const stages = await Promise.all(record.jobs.map((j) => stageStatus(runtime, record.owner, j)));
  const root = stages.find((s) => s.jobId === record.rootJobId);
  const state: PipelineState = stages.some((s) => s.state === 'failed')
    ? 'failed'
    : root?.state === 'completed'
      ? 'completed'
      : stages.some((s) => s.state === 'active' || s.state === 'completed')
        ? 'active'
        : 'waiting';
  const progress = stages.length === 0 ? 0 : stages.reduce((s, x) => s + x.progress, 0) / stages.length;
  return {
    jobId: record.pipelineId,
    state,
    progress,
    createdAt: record.createdAt,
    captureIds: record.captureIds,
    stages,
  };
}
