import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'bullmq';
import type { PlatformConfig } from '../config/load-config.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { openArtifactStore } from '../store/open-artifact-store.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { createMetrics } from '../telemetry/metrics.js';
import { startTelemetryServer, type TelemetryServer } from '../telemetry/telemetry-server.js';
import { createQueueRuntime, type QueueRuntime } from './queue-runtime.js';
import { queueSettingsFromConfig } from './queue-settings.js';
import { createStageWorker, type StageHandler } from './stage-worker.js';
import type { Stage } from './stages.js';
import { isInvalidInput } from './unrecoverable.js';

/** A running stage worker service: its queue runtime, the BullMQ worker, telemetry and a close. */
export interface StageService {
  runtime: QueueRuntime;
  worker: Worker;
  /** The /metrics, /healthz, /readyz server (absent when started with telemetry: false). */
  telemetry: TelemetryServer | undefined;
  logger: Logger;
  /** Stops taking jobs, waits for the active ones, closes the connections and the telemetry server. */
  close(): Promise<void>;
}

export interface StageServiceSpec<S extends Stage> {
  /** The service's name in logs and metric labels ('tracker', 'trainer'). */
  service: string;
  stage: S;
  /** The stage's handler, given the store the service opened. */
  handler: (store: ArtifactStore) => StageHandler<S>;
  /** Stage-specific bad input (never retried), besides the platform's own. */
  isBadInput?: (error: unknown) => boolean;
  logger?: Logger;
  /** Serve /metrics, /healthz, /readyz on config.metricsPort (default true). */
  telemetry?: boolean;
}

/**
 * The common start-up of a worker service: open the store, the queue runtime and the metrics, start the stage
 * worker with the configured concurrency, serve telemetry, and return one close for everything.
 */
export async function startStageService<S extends Stage>(
  config: PlatformConfig,
  spec: StageServiceSpec<S>,
): Promise<StageService> {
  const logger = spec.logger ?? createLogger(config, spec.service);
  const store = await openArtifactStore(config.store);
  const runtime = createQueueRuntime(queueSettingsFromConfig(config), logger);
  const metrics = createMetrics({ defaultLabels: { service: spec.service } });
  metrics.trackQueues([runtime.queue(spec.stage)]);
  const stageBadInput = spec.isBadInput;
  const worker = createStageWorker(runtime, spec.stage, spec.handler(store), {
    concurrency: config.worker.concurrency,
    metrics,
    logger,
    isBadInput: (error) => (stageBadInput?.(error) ?? false) || isInvalidInput(error),
  });
  const telemetry =
    spec.telemetry === false
      ? undefined
      : await startTelemetryServer({
          metrics,
          port: config.metricsPort,
          logger,
          ready: () => worker.isRunning(),
        });
  logger.info(
    { queue: spec.stage, concurrency: config.worker.concurrency, metrics: telemetry?.url },
    `${spec.service} worker started`,
  );
  let closing: Promise<void> | undefined;
  return {
    runtime,
    worker,
    telemetry,
    logger,
    close() {
      closing ??= (async () => {
        await runtime.close();
        await telemetry?.close();
      })();
      return closing;
    },
  };
}

/** Whether the module at `moduleUrl` is the process's entry script (`node .../main.js`), links resolved. */
export function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
