import { join } from 'node:path';
import type { DynamicsEvaluation } from '@gsdyn/dynamics';
import type { Reporter } from '../output.js';
import { escapeHtml, type ReportSection } from '../report/html.js';
import { simulateDataset } from './dataset.js';
import { dynamicsTable, runEvalDynamics } from './eval-dynamics.js';
import { LOSS_PLOT, runTrain } from './train.js';

export interface DemoDynamicsOptions {
  out: string;
  seed: number;
  /** Simulated training episodes (physics only) and training epochs. */
  dynamicsEpisodes: number;
  dynamicsEpochs: number;
  json?: boolean;
}

/**
 * The dynamics part of the demo: a rope dataset straight from the simulator's ground truth (one tracked capture is
 * far too little data to learn from), a small model trained on it, and the model-versus-baseline table with the
 * loss curves for the report.
 */
export async function demoDynamics(
  opts: DemoDynamicsOptions,
  out: Reporter,
): Promise<{ evaluation: DynamicsEvaluation; sections: ReportSection[] }> {
  const datasetDir = join(opts.out, 'dynamics', 'dataset');
  const modelDir = join(opts.out, 'dynamics', 'model');
  const dataset = await simulateDataset('rope', {
    out: datasetDir,
    source: 'truth',
    episodes: opts.dynamicsEpisodes,
    frames: 60,
    seed: opts.seed,
    points: 1000,
    padding: 'repeat',
    overwrite: true,
  });
  const training = await runTrain(
    datasetDir,
    {
      out: modelDir,
      epochs: opts.dynamicsEpochs,
      steps: 100,
      batch: 16,
      hidden: 64,
      lr: 1e-3,
      seed: opts.seed,
      backend: 'wasm',
    },
    out,
  );
  const evaluation = await runEvalDynamics({
    model: modelDir,
    dataset: datasetDir,
    windows: 200,
    baselineWindows: 32,
    baselineEvals: 400,
    toolRadius: 0.015,
    seed: opts.seed,
  });
  const best = training.epochs[training.bestEpoch - 1];
  const sections: ReportSection[] = [
    {
      title: 'Learned dynamics (rope) against the fitted physics baseline',
      html:
        `<p>Dataset: ${dataset.manifest.episodes.length} simulated pushing episodes (ground-truth surface points, ` +
        `${dataset.trainWindows} training and ${dataset.validationWindows} validation windows; one step = 1 cm of ` +
        `end-effector travel). Model: ${training.parameters} parameters (hidden width 64), ${training.epochs.length} ` +
        `epochs of 100 steps, best validation at epoch ${training.bestEpoch} ` +
        `(${best.stepsPerSecond.toFixed(1)} training steps/s). Errors in millimetres on the validation episodes; ` +
        '"still" predicts that nothing moves.</p>' +
        `<pre>${escapeHtml(dynamicsTable(evaluation).join('\n'))}</pre>`,
    },
    {
      title: 'Training and validation loss per epoch',
      html: `<img src="dynamics/model/${LOSS_PLOT}" alt="loss curves">`,
    },
  ];
  return { evaluation, sections };
}
