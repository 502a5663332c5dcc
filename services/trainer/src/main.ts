// The trainer service: a BullMQ worker on the 'train' queue. `node services/trainer/dist/main.js` starts it from
// the environment (see the README for the variables); startTrainerWorker starts one in-process (tests, the stack).
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
import { isBadTrainingInput } from './train-compute.js';
import { createTrainHandler, type TrainStageDeps } from './train-stage.js';

export { computeModel, type TrainComputeInput, type TrainComputeOutput } from './train-compute.js';
export { createTrainHandler, type TrainStageDeps } from './train-stage.js';

export type TrainerWorker = StageService;

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
  return startStageService(config, {
    service: 'trainer',
    stage: 'train',
    handler: (store) =>
      createTrainHandler({
        store,
        tempRoot: options.tempRoot,
        compute: options.compute,
        points: options.points,
      }),
    // Bad input besides the platform's own: tracks that cannot make a dataset.
    isBadInput: isBadTrainingInput,
    logger: options.logger,
    telemetry: options.telemetry,
  });
}

if (isEntryPoint(import.meta.url)) {
  const config = loadConfig();
  const logger = createLogger(config, 'trainer');
  const worker = await startTrainerWorker(config, { logger });
  onShutdown(() => worker.close(), { logger });
}
