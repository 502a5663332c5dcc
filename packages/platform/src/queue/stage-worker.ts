import { type Job, UnrecoverableError, type Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { PlatformMetrics } from '../telemetry/metrics.js';
import {
  STAGE_SCHEMAS,
  type StagePayload,
  type StageProgress,
  type StageResult,
  type StageResultInput,
} from './job-schemas.js';
import type { QueueRuntime } from './queue-runtime.js';
import type { Stage } from './stages.js';
import { describeZodError, isInvalidInput, parseJobInput, toUnrecoverable } from './unrecoverable.js';

export interface StageJobContext<S extends Stage> {
  job: Job;
  /** The validated payload. */
  data: StagePayload<S>;
  /** Aborted when the job is cancelled. */
  signal: AbortSignal | undefined;
  logger: Logger | undefined;
  /**
   * Reports progress (fraction in [0, 1]); updates closer than the progress interval are dropped, except the first
   * and the last (fraction 1).
   */
  progress(fraction: number, phase?: string, metrics?: Record<string, number>): Promise<void>;
  /** The validated results of this job's children from one stage's queue (a flow's earlier stage), by job id. */
  childResults<C extends Stage>(stage: C): Promise<StageResult<C>[]>;
}

export type StageHandler<S extends Stage> = (context: StageJobContext<S>) => Promise<StageResultInput<S>>;

export interface StageWorkerOptions {
  /** Jobs at once (default 1). */
  concurrency?: number;
  metrics?: PlatformMetrics;
  logger?: Logger;
  /** Which errors mean "retrying cannot help" (default: zod errors, InvalidInputError, UnrecoverableError). */
  isBadInput?: (error: unknown) => boolean;
  /** Minimum time between progress updates sent to Redis (default 500 ms). */
  progressIntervalMs?: number;
  autorun?: boolean;
}

/** `<prefix>:<queue>:<id>` -> queue name. */
function queueOfJobKey(key: string, prefix: string): string | undefined {
  if (!key.startsWith(`${prefix}:`)) return undefined;
  const rest = key.slice(prefix.length + 1);
  const colon = rest.indexOf(':');
  return colon < 0 ? undefined : rest.slice(0, colon);
}

/**
 * A worker for one stage: validates the payload (bad input fails at once, without retries), runs the handler,
 * validates its result, reports progress, logs, and records duration and utilisation metrics. Errors the handler
 * throws are retried with the queue's backoff unless `isBadInput` says retrying cannot help.
 */
export function createStageWorker<S extends Stage>(
  runtime: QueueRuntime,
  stage: S,
  handler: StageHandler<S>,
  options: StageWorkerOptions = {},
): Worker {
  const concurrency = options.concurrency ?? 1;
  const progressInterval = options.progressIntervalMs ?? 500;
  const tracker = options.metrics?.workerTracker(stage, concurrency);
  const schemas = STAGE_SCHEMAS[stage];
  const prefix = runtime.settings.prefix;

  const processor = async (job: Job, _token?: string, signal?: AbortSignal): Promise<StageResult<S>> => {
    const logger = options.logger?.child({ stage, jobId: job.id, attempt: job.attemptsMade + 1 });
    const end = tracker?.start();
    const started = performance.now();
    let outcome: 'completed' | 'failed' = 'failed';
    try {
      const data = parseJobInput(
        schemas.payload,
        job.data,
        `${stage} job ${job.id} payload`,
      ) as StagePayload<S>;
      logger?.info({ pipelineId: data.pipelineId }, 'job started');
      let lastProgressAt = Number.NEGATIVE_INFINITY;
      const context: StageJobContext<S> = {
        job,
        data,
        signal,
        logger,
        async progress(fraction, phase, metrics) {
          if (!(fraction >= 0 && fraction <= 1))
            throw new RangeError(`progress ${fraction}: expected 0 to 1`);
          const now = performance.now();
          if (fraction < 1 && now - lastProgressAt < progressInterval) return;
          lastProgressAt = now;
          const update: StageProgress = {
            fraction,
            ...(phase ? { phase } : {}),
            ...(metrics ? { metrics } : {}),
          };
          await job.updateProgress(update);
        },
        async childResults<C extends Stage>(childStage: C) {
          const values = await job.getChildrenValues();
          const schema = STAGE_SCHEMAS[childStage].result;
          return Object.keys(values)
            .filter((key) => queueOfJobKey(key, prefix) === childStage)
            .sort()
            .map((key) => parseJobInput(schema, values[key], `result of ${key}`) as StageResult<C>);
        },
      };
      let raw: StageResultInput<S>;
      try {
        raw = await handler(context);
      } catch (error) {
        throw toUnrecoverable(error, options.isBadInput ?? isInvalidInput);
      }
      const result = schemas.result.safeParse(raw);
      // A result that does not match its schema is a bug in the stage, not bad luck: do not retry it.
      if (!result.success)
        throw new UnrecoverableError(describeZodError(result.error, `${stage} job ${job.id} result`));
      outcome = 'completed';
      logger?.info({ seconds: (performance.now() - started) / 1000 }, 'job completed');
      return result.data as StageResult<S>;
    } catch (error) {
      logger?.warn(
        {
          err: error,
          unrecoverable: error instanceof UnrecoverableError,
          seconds: (performance.now() - started) / 1000,
        },
        'job attempt failed',
      );
      throw error;
    } finally {
      end?.();
      options.metrics?.observeJob(stage, outcome, (performance.now() - started) / 1000);
    }
  };
  return runtime.worker(stage, processor, { concurrency, autorun: options.autorun });
}
