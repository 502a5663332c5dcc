import type {
  ConnectionOptions,
  DefaultJobOptions,
  FlowProducerOptions,
  QueueEventsOptions,
  QueueOptions,
  WorkerOptions,
} from 'bullmq';
import type { PlatformConfig } from '../config/load-config.js';

/**
 * Everything the queues, workers and flows of a deployment share. One object, from one factory: every worker must
 * use the same lock settings, because a stalled job is recovered after lockDuration + stalledInterval of whichever
 * worker runs the check (mixed defaults measured 31 s instead of 2 s).
 */
export interface QueueSettings {
  redisUrl: string;
  prefix: string;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Times a job may be recovered from a dead worker before it fails. */
  maxStalledCount: number;
  attempts: number;
  backoffMs: number;
  /** Finished jobs are kept this long for status pages, then removed. */
  keepCompletedSeconds: number;
  keepFailedSeconds: number;
}

export function queueSettingsFromConfig(
  config: Pick<PlatformConfig, 'redisUrl' | 'queuePrefix' | 'jobs'>,
  overrides: Partial<QueueSettings> = {},
): QueueSettings {
  return {
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    lockDurationMs: config.jobs.lockDurationMs,
    stalledIntervalMs: config.jobs.stalledIntervalMs,
    maxStalledCount: 2,
    attempts: config.jobs.attempts,
    backoffMs: config.jobs.backoffMs,
    keepCompletedSeconds: 7 * 24 * 3600,
    keepFailedSeconds: 30 * 24 * 3600,
    ...overrides,
  };
}

/**
 * Connection of a worker or QueueEvents: blocking commands, so `maxRetriesPerRequest: null` (a connection without
 * it makes the Worker constructor throw and leak the connection), and commands wait through a Redis restart.
 */
export function blockingConnection(settings: QueueSettings): ConnectionOptions {
  return { url: settings.redisUrl, maxRetriesPerRequest: null };
}

/**
 * Connection of a Queue or FlowProducer used by request handlers: fail fast when Redis is away (the caller answers
 * 503) instead of queueing commands in memory.
 */
export function producerConnection(settings: QueueSettings): ConnectionOptions {
  return { url: settings.redisUrl, enableOfflineQueue: false };
}

/** Retries with exponential backoff (backoffMs, 2x, 4x, ...) and bounded retention of finished jobs. */
export function defaultJobOptions(settings: QueueSettings): DefaultJobOptions {
  return {
    attempts: settings.attempts,
    backoff: { type: 'exponential', delay: settings.backoffMs },
    removeOnComplete: { age: settings.keepCompletedSeconds },
    removeOnFail: { age: settings.keepFailedSeconds },
  };
}

export function queueOptions(settings: QueueSettings): QueueOptions {
  return {
    connection: producerConnection(settings),
    prefix: settings.prefix,
    defaultJobOptions: defaultJobOptions(settings),
  };
}

export function flowProducerOptions(settings: QueueSettings): FlowProducerOptions {
  return { connection: producerConnection(settings), prefix: settings.prefix };
}

export function queueEventsOptions(settings: QueueSettings): QueueEventsOptions {
  return { connection: blockingConnection(settings), prefix: settings.prefix };
}

/** The only way to make worker options: the lock and stalled settings come from the shared settings. */
export function workerOptions(settings: QueueSettings, concurrency: number): WorkerOptions {
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency ${concurrency}: expected an integer >= 1`);
  return {
    connection: blockingConnection(settings),
    prefix: settings.prefix,
    concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: settings.maxStalledCount,
  };
}
