// The trainer's stage process (see @gsdyn/platform child-stage.ts for why the computation runs in a child).
import { serveChildStage } from '@gsdyn/platform';
import { computeModel, isBadTrainingInput, TrainComputeInputSchema } from './train-compute.js';

serveChildStage(TrainComputeInputSchema, computeModel, isBadTrainingInput);
