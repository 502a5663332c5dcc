import { FlowProducer, type Job, type Processor, Queue, QueueEvents, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { STAGE_SCHEMAS, type StagePayload, type StagePayloadInput } from './job-schemas.js';
import {
  flowProducerOptions,
  type QueueSettings,
  queueEventsOptions,
  queueOptions,
  workerOptions,
} from './queue-settings.js';
import { STAGES, type Stage } from './stages.js';
import { describeZodError, InvalidInputError } from './unrecoverable.js';

interface Closable {
  close(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The BullMQ objects of one process, all made from one QueueSettings (so every worker shares the lock settings),
 * each with an error listener (an unhandled 'error' event would crash the process), and closed together.
 * Queues, QueueEvents and the FlowProducer are created on first use and shared.
 */
export class QueueRuntime {
  private readonly queues = new Map<Stage, Queue>();
  private readonly events = new Map<Stage, QueueEvents>();
  private flow: FlowProducer | undefined;
  private readonly workers = new Set<Worker>();
  private closing: Promise<void> | undefined;

  constructor(
    readonly settings: QueueSettings,
    private readonly logger?: Logger,
  ) {}

  private watch<T extends Closable>(what: string, item: T): T {
    if (this.closing) throw new Error(`QueueRuntime is closed: cannot create ${what}`);
    item.on('error', (error) => this.logger?.warn({ err: error, what }, 'queue connection error'));
    return item;
  }

  queue(stage: Stage): Queue {
    let queue = this.queues.get(stage);
    if (queue === undefined) {
      queue = this.watch(`queue ${stage}`, new Queue(stage, queueOptions(this.settings)));
      this.queues.set(stage, queue);
    }
    return queue;
  }

  /** The queue of every stage (for status pages and the queue-depth gauge). */
  allQueues(): Queue[] {
    return STAGES.map((s) => this.queue(s));
  }

  queueEvents(stage: Stage): QueueEvents {
    let events = this.events.get(stage);
    if (events === undefined) {
      events = this.watch(`queue events ${stage}`, new QueueEvents(stage, queueEventsOptions(this.settings)));
      this.events.set(stage, events);
    }
    return events;
  }

  flowProducer(): FlowProducer {
    this.flow ??= this.watch('flow producer', new FlowProducer(flowProducerOptions(this.settings)));
    return this.flow;
  }

  /** A worker with the shared options; prefer createStageWorker, which adds validation, metrics and logs. */
  worker<D, R>(
    stage: Stage,
    processor: Processor<D, R>,
    options: { concurrency?: number; autorun?: boolean } = {},
  ) {
    const worker = this.watch(
      `worker ${stage}`,
      new Worker<D, R>(stage, processor, {
        ...workerOptions(this.settings, options.concurrency ?? 1),
        autorun: options.autorun ?? true,
      }),
    );
    this.workers.add(worker as Worker);
    return worker;
  }

  /**
   * Adds one stage job after validating its payload; bad payloads reject with InvalidInputError naming the fields
   * (a gateway answers 400).
   */
  async addJob<S extends Stage>(
    stage: S,
    payload: StagePayloadInput<S>,
    options: { jobId?: string } = {},
  ): Promise<Job<StagePayload<S>>> {
    const parsed = STAGE_SCHEMAS[stage].payload.safeParse(payload);
    if (!parsed.success) throw new InvalidInputError(describeZodError(parsed.error, `${stage} payload`));
    return this.queue(stage).add(
      stage,
      parsed.data,
      options.jobId ? { jobId: options.jobId } : {},
    ) as Promise<Job<StagePayload<S>>>;
  }

  /**
   * Closes everything: workers first (each waits for its active jobs to finish), then events, flows and queues.
   * Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const failures: unknown[] = [];
      const settle = async (items: Closable[]) => {
        for (const r of await Promise.allSettled(items.map((i) => i.close())))
          if (r.status === 'rejected') failures.push(r.reason);
      };
      await settle([...this.workers]);
      await settle([...this.events.values(), ...(this.flow ? [this.flow] : []), ...this.queues.values()]);
      if (failures.length > 0) throw failures[0];
    })();
    return this.closing;
  }
}

export function createQueueRuntime(settings: QueueSettings, logger?: Logger): QueueRuntime {
  return new QueueRuntime(settings, logger);
}
