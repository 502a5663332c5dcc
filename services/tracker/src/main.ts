// The tracker service: a BullMQ worker on the 'track' queue. `node services/tracker/dist/main.js` starts it from
// the environment (see the README for the variables); startTrackerWorker starts one in-process (tests, the stack).
import {
  createLogger,
  isEntryPoint,
  type Logger,
  loadConfig,
  onShutdown,
  type PlatformConfig,
  type StageService,
  startStageService,
} from '@gsdyn/platform';
import { isBadCapture } from './track-compute.js';
import { createTrackHandler, type TrackStageDeps } from './track-stage.js';

export { computeTracks, type TrackComputeInput, type TrackComputeOutput } from './track-compute.js';
export { CAPTURE_REF_FILE, createTrackHandler, type TrackStageDeps } from './track-stage.js';

export type TrackerWorker = StageService;

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
  return startStageService(config, {
    service: 'tracker',
    stage: 'track',
    handler: (store) => createTrackHandler({ store, tempRoot: options.tempRoot, compute: options.compute }),
    // Bad input besides the platform's own: captures that are not valid episodes.
    isBadInput: isBadCapture,
    logger: options.logger,
    telemetry: options.telemetry,
  });
}

if (isEntryPoint(import.meta.url)) {
  const config = loadConfig();
  const logger = createLogger(config, 'tracker');
  const worker = await startTrackerWorker(config, { logger });
  onShutdown(() => worker.close(), { logger });
}
