import type { Queue } from 'bullmq';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Stage } from '../queue/stages.js';
import { UtilisationTracker } from './utilisation.js';

/** Job states reported per queue (BullMQ's getJobCounts names). */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
] as const;

export type JobOutcome = 'completed' | 'failed';

export interface MetricsOptions {
  /** Metric name prefix (default `gsdyn_`). */
  prefix?: string;
  /** Also collect Node's process metrics (CPU, memory, event loop lag); default true. */
  processMetrics?: boolean;
  /** Labels added to every series, e.g. { service: 'tracker' }. */
  defaultLabels?: Record<string, string>;
  /** How long a scrape waits for Redis' job counts before it leaves them out (default 2000 ms). */
  queueCountTimeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The Prometheus metrics of one process, in a registry of its own (never the global one): HTTP latency, job
 * durations per stage and outcome, queue depth per queue and state (read from Redis at scrape time), worker
 * utilisation.
 */
export class PlatformMetrics {
  readonly registry = new Registry();
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly jobDuration: Histogram<'stage' | 'outcome'>;
  readonly queueJobs: Gauge<'queue' | 'state'>;
  readonly workerUtilisation: Gauge<'stage'>;
  readonly workerBusySeconds: Counter<'stage'>;
  readonly workerActiveJobs: Gauge<'stage'>;
  readonly workerConcurrency: Gauge<'stage'>;
  private readonly queues = new Map<string, Queue>();
  private readonly trackers = new Map<string, UtilisationTracker>();
  private readonly reportedBusy = new Map<string, number>();
  /** The last error met while reading queue depths (the scrape still succeeds, without those series). */
  lastQueueError: Error | undefined;

  constructor(options: MetricsOptions = {}) {
    const prefix = options.prefix ?? 'gsdyn_';
    if (options.defaultLabels) this.registry.setDefaultLabels(options.defaultLabels);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix });
    const registers = [this.registry];
    this.httpRequestDuration = new Histogram({
      name: `${prefix}http_request_duration_seconds`,
      help: 'HTTP request latency, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.jobDuration = new Histogram({
      name: `${prefix}job_duration_seconds`,
      help: 'Time a worker spent on a job attempt, by stage and outcome.',
      labelNames: ['stage', 'outcome'] as const,
      buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers,
    });
    const self = this;
    const countTimeout = options.queueCountTimeoutMs ?? 2000;
    this.queueJobs = new Gauge({
      name: `${prefix}queue_jobs`,
      help: 'Jobs in each queue by state, read from Redis at scrape time.',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        this.reset();
        await Promise.all(
          [...self.queues.entries()].map(async ([name, queue]) => {
            try {
              const counts = await withTimeout(
                queue.getJobCounts(...QUEUE_STATES),
                countTimeout,
                `job counts of queue ${name}`,
              );
              for (const state of QUEUE_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
            } catch (error) {
              self.lastQueueError = error as Error;
            }
          }),
        );
      },
    });
    this.workerUtilisation = new Gauge({
      name: `${prefix}worker_utilisation`,
      help: 'Fraction of the worker job slots in use since the previous scrape.',
      labelNames: ['stage'] as const,
      registers,
      collect() {
        for (const [stage, tracker] of self.trackers) this.set({ stage }, tracker.sample());
      },
    });
    this.workerBusySeconds = new Counter({
      name: `${prefix}worker_busy_seconds_total`,
      help: 'Job-slot seconds spent on jobs (rate() / concurrency = utilisation).',
      labelNames: ['stage'] as const,
      registers,
      collect() {
        for (const [stage, tracker] of self.trackers) {
          const total = tracker.busySeconds();
          const delta = total - (self.reportedBusy.get(stage) ?? 0);
          if (delta > 0) this.inc({ stage }, delta);
          self.reportedBusy.set(stage, total);
        }
      },
    });
    this.workerActiveJobs = new Gauge({
      name: `${prefix}worker_active_jobs`,
      help: 'Jobs running now.',
      labelNames: ['stage'] as const,
      registers,
      collect() {
        for (const [stage, tracker] of self.trackers) this.set({ stage }, tracker.activeJobs);
      },
    });
    this.workerConcurrency = new Gauge({
      name: `${prefix}worker_concurrency`,
      help: 'Job slots of the worker.',
      labelNames: ['stage'] as const,
      registers,
      collect() {
        for (const [stage, tracker] of self.trackers) this.set({ stage }, tracker.concurrency);
      },
    });
  }

  observeHttpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequestDuration.observe(
      { method: method.toUpperCase(), route, status: String(status) },
      seconds,
    );
  }

  /** Starts timing a request; call the result with the status code when the response is sent. */
  startHttpTimer(method: string, route: string): (status: number) => void {
    const started = performance.now();
    return (status) => this.observeHttpRequest(method, route, status, (performance.now() - started) / 1000);
  }

  observeJob(stage: Stage, outcome: JobOutcome, seconds: number): void {
    this.jobDuration.observe({ stage, outcome }, seconds);
  }

  /** Reports the depth of these queues (by their names) at every scrape. */
  trackQueues(queues: Iterable<Queue>): void {
    for (const queue of queues) this.queues.set(queue.name, queue);
  }

  /** The utilisation tracker of a stage's worker in this process (created on first use). */
  workerTracker(stage: Stage, concurrency: number): UtilisationTracker {
    let tracker = this.trackers.get(stage);
    if (tracker === undefined) {
      tracker = new UtilisationTracker(concurrency);
      this.trackers.set(stage, tracker);
    } else if (tracker.concurrency !== concurrency) {
      throw new RangeError(
        `stage ${stage}: a worker with concurrency ${tracker.concurrency} is already tracked (got ${concurrency})`,
      );
    }
    return tracker;
  }

  /** The exposition text (what GET /metrics serves). */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export function createMetrics(options: MetricsOptions = {}): PlatformMetrics {
  return new PlatformMetrics(options);
}
