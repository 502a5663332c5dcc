// The trainer service: a BullMQ worker on the 'train' queue. `node services/trainer/dist/main.js` starts it from
// the environment (see the README for the variables); startTrainerWorker starts one in-process (tests, the stack).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createLogger,
  createMetrics,
  createQueueRuntime,
  createStageWorker,
  isInvalidInput,
  type Logger,
  loadConfig,
  onShutdown,
  openArtifactStore,
  type PlatformConfig,
  type QueueRuntime,
  queueSettingsFromConfig,
  startTelemetryServer,
  type TelemetryServer,
} from '@gsdyn/platform';
import type { Worker } from 'bullmq';
import { isBadTrainingInput } from './train-compute.js';
import { createTrainHandler, type TrainStageDeps } from './train-stage.js';

export { computeModel, type TrainComputeInput, type TrainComputeOutput } from './train-compute.js';
export { createTrainHandler, type TrainStageDeps } from './train-stage.js';

export interface TrainerWorker {
  runtime: QueueRuntime;
  worker: Worker;
  /** The /metrics, /healthz, /readyz server (absent when started with telemetry: false). */
  telemetry: TelemetryServer | undefined;
  logger: Logger;
  /** Stops taking jobs, waits for the active ones, closes the connections and the telemetry server. */
  close(): Promise<void>;
}

export interface StartTrainerOptions {
  logger?: Logger;
  /** Serve /metrics, /healthz, /readyz on config.metricsPort (default true). */
  telemetry?: boolean;
  tempRoot?: string;
  compute?: TrainStageDeps['compute'];
  /** Particles per episode after preprocessing (default: the library's). */
  points?: number;
}

export async function startTrainerWorker(
  config: PlatformConfig,
  options: StartTrainerOptions = {},
): Promise<TrainerWorker> {
  if (config.worker.device !== 'cpu')
    throw new Error(
      `GSDYN_DEVICE=${config.worker.device}: the trainer has no WebGPU kernels yet; use GSDYN_DEVICE=cpu`,
    );
  const logger = options.logger ?? createLogger(config, 'trainer');
  const store = await openArtifactStore(config.store);
  const runtime = createQueueRuntime(queueSettingsFromConfig(config), logger);
  const metrics = createMetrics({ defaultLabels: { service: 'trainer' } });
  metrics.trackQueues([runtime.queue('train')]);
  const worker = createStageWorker(
    runtime,
    'train',
    createTrainHandler({
      store,
      tempRoot: options.tempRoot,
      compute: options.compute,
      points: options.points,
    }),
    { concurrency: config.worker.concurrency, metrics, logger, isBadInput: isBadInputError },
  );
  const telemetry =
    options.telemetry === false
      ? undefined
      : await startTelemetryServer({
          metrics,
          port: config.metricsPort,
          logger,
          ready: () => worker.isRunning(),
        });
  logger.info(
    { queue: 'train', concurrency: config.worker.concurrency, metrics: telemetry?.url },
    'trainer worker started',
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

/** Bad input: what the platform treats as such, plus tracks that cannot make a dataset. */
function isBadInputError(error: unknown): boolean {
  return isBadTrainingInput(error) || isInvalidInput(error);
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const config = loadConfig();
  const logger = createLogger(config, 'trainer');
  const trainer = await startTrainerWorker(config, { logger });
  onShutdown(() => trainer.close(), { logger });
}
