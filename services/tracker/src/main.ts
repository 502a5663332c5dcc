// The tracker service: a BullMQ worker on the 'track' queue. `node services/tracker/dist/main.js` starts it from
// the environment (see the README for the variables); startTrackerWorker starts one in-process (tests, the stack).
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
import { isBadCapture } from './track-compute.js';
import { createTrackHandler, type TrackStageDeps } from './track-stage.js';

export { computeTracks, type TrackComputeInput, type TrackComputeOutput } from './track-compute.js';
export { CAPTURE_REF_FILE, createTrackHandler, type TrackStageDeps } from './track-stage.js';

export interface TrackerWorker {
  runtime: QueueRuntime;
  worker: Worker;
  /** The /metrics, /healthz, /readyz server (absent when started with telemetry: false). */
  telemetry: TelemetryServer | undefined;
  logger: Logger;
  /** Stops taking jobs, waits for the active ones, closes the connections and the telemetry server. */
  close(): Promise<void>;
}

export interface StartTrackerOptions {
  logger?: Logger;
  /** Serve /metrics, /healthz, /readyz on config.metricsPort (default true). */
  telemetry?: boolean;
  tempRoot?: string;
  compute?: TrackStageDeps['compute'];
}

export async function startTrackerWorker(
  config: PlatformConfig,
  options: StartTrackerOptions = {},
): Promise<TrackerWorker> {
  if (config.worker.device !== 'cpu')
    throw new Error(
      `GSDYN_DEVICE=${config.worker.device}: the tracker has no WebGPU rasteriser yet; use GSDYN_DEVICE=cpu`,
    );
  const logger = options.logger ?? createLogger(config, 'tracker');
  const store = await openArtifactStore(config.store);
  const runtime = createQueueRuntime(queueSettingsFromConfig(config), logger);
  const metrics = createMetrics({ defaultLabels: { service: 'tracker' } });
  metrics.trackQueues([runtime.queue('track')]);
  const worker = createStageWorker(
    runtime,
    'track',
    createTrackHandler({ store, tempRoot: options.tempRoot, compute: options.compute }),
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
    { queue: 'track', concurrency: config.worker.concurrency, metrics: telemetry?.url },
    'tracker worker started',
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

/** Bad input: what the platform treats as such, plus captures that are not valid episodes. */
function isBadInputError(error: unknown): boolean {
  return isBadCapture(error) || isInvalidInput(error);
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
  const logger = createLogger(config, 'tracker');
  const tracker = await startTrackerWorker(config, { logger });
  onShutdown(() => tracker.close(), { logger });
}
