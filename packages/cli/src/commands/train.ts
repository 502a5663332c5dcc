import { join } from 'node:path';
import {
  DYNAMICS_OBJECTS,
  type DynamicsObject,
  type EpochRecord,
  LOSSES_CSV,
  readDataset,
  TRAIN_DEFAULTS,
  type TrainSummary,
  trainModel,
} from '@gsdyn/dynamics';
import { writeFileAtomic } from '@gsdyn/formats';
import { type Command, Option } from 'commander';
import { intIn, numberIn } from '../options.js';
import { Reporter, UsageError } from '../output.js';
import { Progress } from '../progress.js';
import { lineChartPng } from '../report/line-chart.js';
import { type BackendName, chooseTensorBackend, TENSOR_BACKENDS } from '../tensor-backend-choice.js';

export interface TrainCommandOptions {
  out: string;
  object?: DynamicsObject;
  epochs: number;
  steps: number;
  batch: number;
  hidden: number;
  lr: number;
  seed: number;
  resume?: boolean;
  backend: BackendName;
  threads?: number;
  json?: boolean;
}

export const LOSS_PLOT = 'loss.png';

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      'Train the graph dynamics model on a dataset (`gsdyn dataset`), as the paper does:\n' +
        '\n' +
        'model     PropNet: particle and relation encoders (3 layers), 3 propagation steps with residual\n' +
        '          updates and sum aggregation, a decoder to each particle displacement. --hidden sets every\n' +
        '          width (the reference uses 512; the default is sized for a CPU).\n' +
        'loss      a 5-step autoregressive rollout: predicted objects fed back, true end effector (teacher\n' +
        '          forcing); position MSE plus the edge-length regulariser, summed over the steps.\n' +
        'training  Adam, random batches of windows, rotation about z and position-noise augmentation,\n' +
        '          validation on the validation episodes after every epoch.\n' +
        '\n' +
        `Writes <out>/model.json, weights.npz, model.onnx (best validation epoch), ${LOSSES_CSV}, ${LOSS_PLOT},\n` +
        'and checkpoint/ (last epoch, with the optimiser state) that --resume continues from.',
    )
    .argument('<dataset>', 'dataset directory (contains dataset.json)')
    .requiredOption('--out <dir>', 'output model directory')
    .addOption(
      new Option('--object <object>', "the object (default: the dataset's; must agree with it)").choices(
        DYNAMICS_OBJECTS,
      ),
    )
    .option('--epochs <n>', 'epochs', intIn(1, 1_000_000), TRAIN_DEFAULTS.epochs)
    .option('--steps <n>', 'optimisation steps per epoch', intIn(1, 1_000_000), TRAIN_DEFAULTS.stepsPerEpoch)
    .option('--batch <n>', 'windows per step', intIn(1, 4096), TRAIN_DEFAULTS.batchSize)
    .option('--hidden <n>', 'width of every layer', intIn(1, 4096), TRAIN_DEFAULTS.hidden)
    .option('--lr <x>', 'Adam learning rate', numberIn(1e-8, 1), TRAIN_DEFAULTS.lr)
    .option(
      '--seed <s>',
      'seed (initial weights, batches, augmentation)',
      intIn(0, 2 ** 31 - 1),
      TRAIN_DEFAULTS.seed,
    )
    .option('--resume', 'continue from <out>/checkpoint (same options; --epochs may grow)')
    .addOption(
      new Option(
        '--backend <name>',
        'matrix kernels: WebAssembly SIMD over worker threads, or the TypeScript reference',
      )
        .choices(TENSOR_BACKENDS)
        .default('wasm'),
    )
    .option(
      '--threads <n>',
      'threads running the wasm kernels, the main one included (default: every core)',
      intIn(1, 256),
    )
    .option('--json', 'print one JSON object with the training summary on stdout')
    .action(async (dataset: string, opts: TrainCommandOptions) => {
      const out = new Reporter(Boolean(opts.json));
      const summary = await runTrain(dataset, opts, out);
      const best = summary.epochs[summary.bestEpoch - 1];
      out.result({
        model: summary.modelDir,
        parameters: summary.parameters,
        bestEpoch: summary.bestEpoch,
        best,
        epochs: summary.epochs,
      });
    });
}

/** Trains with progress on stderr, a line per epoch and the loss plot rewritten after every epoch. */
export async function runTrain(
  datasetDir: string,
  opts: TrainCommandOptions,
  out: Reporter,
): Promise<TrainSummary> {
  const dataset = await readDataset(datasetDir);
  if (opts.object !== undefined && opts.object !== dataset.object)
    throw new UsageError(
      `--object ${opts.object} contradicts the dataset ${dataset.dir}, which is ${dataset.object}`,
    );
  const backend = chooseTensorBackend(opts.backend, opts.threads);
  // Counted from the first step this run takes (a resumed run starts past its checkpoint), so rate and ETA are right.
  let progress: { bar: Progress; first: number } | undefined;
  try {
    const summary = await trainModel(datasetDir, opts.out, {
      epochs: opts.epochs,
      stepsPerEpoch: opts.steps,
      batchSize: opts.batch,
      hidden: opts.hidden,
      lr: opts.lr,
      seed: opts.seed,
      resume: opts.resume,
      backend: backend.backend,
      onStep: ({ epoch, step, loss }) => {
        const done = (epoch - 1) * opts.steps + step;
        progress ??= {
          bar: new Progress('train', opts.epochs * opts.steps - done + 1, { unit: 'steps' }),
          first: done - 1,
        };
        progress.bar.update(
          done - progress.first,
          undefined,
          `epoch ${epoch}  loss ${loss.toExponential(2)}`,
        );
      },
      onEpoch: async (record, state) => {
        out.say(epochLine(record, state.epochs));
        await writeFileAtomic(
          join(opts.out, LOSS_PLOT),
          await lossPlot(record.epoch, state.history, dataset.object),
        );
      },
    });
    progress?.bar.finish();
    const best = summary.epochs[summary.bestEpoch - 1];
    out.say(
      `${summary.modelDir}: ${summary.parameters} parameters, best validation at epoch ${summary.bestEpoch}: ` +
        `error ${best.validationErrorMm.map((e) => e.toFixed(2)).join(' / ')} mm after steps 1..${best.validationErrorMm.length}`,
    );
    return summary;
  } finally {
    backend.dispose();
  }
}

function epochLine(e: EpochRecord, epochs: number): string {
  const last = (v: number[]) => v[v.length - 1].toFixed(2);
  return (
    `epoch ${e.epoch}/${epochs}: train loss ${e.trainLoss.toExponential(3)}, validation ${e.validationLoss.toExponential(3)}; ` +
    `validation error ${e.validationErrorMm[0].toFixed(2)} mm after 1 step, ${last(e.validationErrorMm)} mm after ` +
    `${e.validationErrorMm.length}; ${e.stepsPerSecond.toFixed(2)} steps/s, ${e.seconds.toFixed(1)} s`
  );
}

/** The loss curves: train and validation loss per epoch, log scale. */
export function lossPlot(
  lastEpoch: number,
  history: readonly EpochRecord[],
  object: string,
): Promise<Buffer> {
  const upTo = history.filter((e) => e.epoch <= lastEpoch);
  const x = upTo.map((e) => e.epoch);
  return lineChartPng({
    title: `${object} dynamics: rollout loss per epoch`,
    xLabel: 'epoch',
    yLabel: 'loss (m^2, summed over rollout steps)',
    logY: true,
    series: [
      { name: 'train', x, y: upTo.map((e) => e.trainLoss) },
      { name: 'validation', x, y: upTo.map((e) => e.validationLoss), dots: true },
    ],
  });
}
