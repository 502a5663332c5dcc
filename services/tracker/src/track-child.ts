// The tracker's stage process (see @gsdyn/platform child-stage.ts for why the computation runs in a child).
import { serveChildStage } from '@gsdyn/platform';
import { computeTracks, isBadCapture, TrackComputeInputSchema } from './track-compute.js';

serveChildStage(TrackComputeInputSchema, computeTracks, isBadCapture);
