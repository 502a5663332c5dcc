import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { encodeNpz, type NdArray, parseNpz, writeFileAtomic } from '@gsdyn/formats';
import { Random } from '@gsdyn/geometry';
import { z } from 'zod';
import { Adam } from '../autodiff/adam.js';
import type { TensorBackend } from '../autodiff/backend.js';
import { createReferenceBackend } from '../autodiff/reference-backend.js';
import { Tape } from '../autodiff/tape.js';
import { chooseWindows } from '../dataset/choose-windows.js';
import { readDataset } from '../dataset/read-dataset.js';
import { splitWindows, type TrainingSample, trainingSample } from '../dataset/training-sample.js';
import type { PropNetConfig, PropNetParams } from '../model/config.js';
import { loadModel, saveModel } from '../model/model-dir.js';
import { initPropNet } from '../model/params.js';
import { edgeDim, type ObjectConfig, objectConfig, vertexDim } from '../object-config.js';
import { augmentSample } from './augment.js';
import { foldPositionScale, TRAINING_POSITION_SCALE } from './position-scale.js';
import { rolloutLoss } from './rollout-loss.js';

export interface TrainOptions {
  /** Hidden width of every layer (default 64: see TRAIN_DEFAULTS; the reference uses 512). */
  hidden?: number;
  epochs?: number;
  /** Optimisation steps per epoch (the reference: 100). */
  stepsPerEpoch?: number;
  /** Validation batches per epoch (the reference: 10). */
  validationBatches?: number;
  /** Samples per step (the reference: 16 for rope, 64 otherwise). */
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** Overrides of the object's settings (e.g. a shorter horizon for a quick test). */
  object?: Partial<Omit<ObjectConfig, 'object'>>;
  /** Continue from the checkpoint in the output directory (same options). */
  resume?: boolean;
  backend?: TensorBackend;
  onEpoch?: (
    epoch: EpochRecord,
    state: { epochs: number; elapsedSeconds: number; history: readonly EpochRecord[] },
  ) => void | Promise<void>;
  onStep?: (progress: { epoch: number; step: number; steps: number; loss: number }) => void;
}

export const TRAIN_DEFAULTS = {
  hidden: 64,
  epochs: 30,
  stepsPerEpoch: 100,
  validationBatches: 10,
  batchSize: 16,
  lr: 1e-3,
  seed: 42,
} as const;

/** One line of losses.csv. Errors are mean particle distances (mm) after the first and the last rollout step. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  validationLoss: number;
  trainErrorMm: number[];
  validationErrorMm: number[];
  seconds: number;
  stepsPerSecond: number;
}

export interface TrainSummary {
  modelDir: string;
  epochs: EpochRecord[];
  bestEpoch: number;
  parameters: number;
}

const CHECKPOINT_DIR = 'checkpoint';
const OPTIMIZER_FILE = 'optimizer.npz';
const PROGRESS_FILE = 'progress.json';
export const LOSSES_CSV = 'losses.csv';

const ProgressSchema = z.strictObject({
  format: z.literal('gsdyn.train-progress'),
  version: z.literal(1),
  options: z.record(z.string(), z.unknown()),
  epochs: z.array(
    z.strictObject({
      epoch: z.number().int().min(1),
      trainLoss: z.number(),
      validationLoss: z.number(),
      trainErrorMm: z.array(z.number()),
      validationErrorMm: z.array(z.number()),
      seconds: z.number(),
      stepsPerSecond: z.number(),
    }),
  ),
  bestEpoch: z.number().int().min(0),
});

/**
 * Trains the dynamics network on a dataset (gsdyn dataset), as the reference's train.py (reference-implementation.md
 * 4.4): Adam, random batches of training windows with rotation and noise augmentation, the 5-step autoregressive
 * rollout loss with the teacher-forced tool and the edge-length regulariser, validation on the validation episodes'
 * windows after every epoch.
 *
 * The output directory is a model directory (model.json, weights.npz, model.onnx) holding the weights of the best
 * validation epoch so far, plus losses.csv and checkpoint/ (the last epoch's weights and Adam moments) from which
 * `resume` continues. Every epoch draws from its own seeded stream, so a resumed run gives the same weights as an
 * uninterrupted one.
 */
export async function trainModel(
  datasetDir: string,
  outDir: string,
  options: TrainOptions = {},
): Promise<TrainSummary> {
  const dataset = await readDataset(datasetDir);
  const settings = {
    hidden: options.hidden ?? TRAIN_DEFAULTS.hidden,
    epochs: options.epochs ?? TRAIN_DEFAULTS.epochs,
    stepsPerEpoch: options.stepsPerEpoch ?? TRAIN_DEFAULTS.stepsPerEpoch,
    validationBatches: options.validationBatches ?? TRAIN_DEFAULTS.validationBatches,
    batchSize: options.batchSize ?? TRAIN_DEFAULTS.batchSize,
    lr: options.lr ?? TRAIN_DEFAULTS.lr,
    seed: options.seed ?? TRAIN_DEFAULTS.seed,
  };
  for (const [key, value] of Object.entries(settings)) {
    // The seed may be 0; every other setting counts or scales something and must be positive.
    const smallest = key === 'seed' ? 0 : Number.MIN_VALUE;
    if (!(Number.isFinite(value) && value >= smallest) || (key !== 'lr' && !Number.isInteger(value)))
      throw new RangeError(
        `trainModel: ${key} must be a ${key === 'seed' ? 'non-negative' : 'positive'} ${key === 'lr' ? 'number' : 'integer'}, got ${value}`,
      );
  }
  const object: ObjectConfig = { ...objectConfig(dataset.object), ...options.object, object: dataset.object };
  if (object.history !== dataset.history)
    throw new RangeError(
      `trainModel: history ${object.history} differs from the dataset's ${dataset.history}`,
    );
  if (object.horizon > dataset.horizon)
    throw new RangeError(`trainModel: horizon ${object.horizon} exceeds the dataset's ${dataset.horizon}`);
  const net: PropNetConfig = {
    vertexDim: vertexDim(object),
    edgeDim: edgeDim(object),
    hidden: settings.hidden,
    propagationSteps: 3,
  };
  const trainRefs = splitWindows(dataset, 'train');
  let validationRefs = splitWindows(dataset, 'validation');
  if (trainRefs.length === 0) throw new RangeError(`${dataset.dir}: the dataset has no training windows`);
  if (validationRefs.length === 0) validationRefs = trainRefs;
  const fixedValidation = chooseWindows(
    validationRefs,
    settings.validationBatches * settings.batchSize,
    new Random(settings.seed ^ 0x7a11d),
  );

  const root = resolve(outDir);
  const checkpoint = join(root, CHECKPOINT_DIR);
  const runOptions = { ...settings, object, dataset: dataset.dir };
  const restored = options.resume ? await readCheckpoint(checkpoint, runOptions) : undefined;
  if (!options.resume) await rm(checkpoint, { recursive: true, force: true });
  // Training runs in TRAINING_POSITION_SCALE units; saved weights are folded to metres (position-scale.ts).
  const params: PropNetParams = restored
    ? foldPositionScale(restored.params, TRAINING_POSITION_SCALE, true)
    : initPropNet(net, settings.seed);
  const inMetres = () => foldPositionScale(params, TRAINING_POSITION_SCALE);
  const history: EpochRecord[] = restored?.epochs ?? [];
  let bestEpoch = restored?.bestEpoch ?? 0;
  const adam = new Adam(params, { lr: settings.lr });
  if (restored) adam.loadState(restored.optimizer);
  await mkdir(checkpoint, { recursive: true });

  const tape = new Tape(options.backend ?? createReferenceBackend());
  const trainFor = (samples: TrainingSample[]) => {
    tape.reset();
    tape.zeroGrads();
    const r = rolloutLoss(tape, params, net, object, samples, TRAINING_POSITION_SCALE);
    tape.backward(r.loss);
    adam.step(tape.grads);
    return r;
  };
  const evaluate = (samples: TrainingSample[]) => {
    tape.reset();
    return rolloutLoss(tape, params, net, object, samples, TRAINING_POSITION_SCALE);
  };

  const started = performance.now();
  for (let epoch = history.length + 1; epoch <= settings.epochs; epoch++) {
    const epochStart = performance.now();
    const rng = new Random((settings.seed * 1_000_003 + epoch) | 0);
    const train = new Mean(object.horizon);
    for (let step = 0; step < settings.stepsPerEpoch; step++) {
      const samples = Array.from({ length: settings.batchSize }, () => {
        const s = trainingSample(dataset, trainRefs[rng.int(trainRefs.length)], object, rng);
        augmentSample(s, object.stateNoise, rng);
        return s;
      });
      const r = trainFor(samples);
      train.add(r.loss.data[0], r.error);
      options.onStep?.({ epoch, step: step + 1, steps: settings.stepsPerEpoch, loss: r.loss.data[0] });
    }
    const trainSeconds = (performance.now() - epochStart) / 1000;
    const validation = new Mean(object.horizon);
    const validationRng = new Random(settings.seed ^ 0x5eed);
    for (let i = 0; i < fixedValidation.length; i += settings.batchSize) {
      const samples = fixedValidation
        .slice(i, i + settings.batchSize)
        .map((ref) => trainingSample(dataset, ref, object, validationRng));
      const r = evaluate(samples);
      validation.add(r.loss.data[0], r.error);
    }
    const record: EpochRecord = {
      epoch,
      trainLoss: train.loss(),
      validationLoss: validation.loss(),
      trainErrorMm: train.errorMm(),
      validationErrorMm: validation.errorMm(),
      seconds: (performance.now() - epochStart) / 1000,
      stepsPerSecond: settings.stepsPerEpoch / trainSeconds,
    };
    history.push(record);
    const best = bestEpoch === 0 || record.validationLoss < history[bestEpoch - 1].validationLoss;
    const metres = inMetres();
    if (best) {
      bestEpoch = epoch;
      await saveModel(root, {
        config: net,
        object,
        params: metres,
        training: {
          ...runOptions,
          epoch,
          validationLoss: record.validationLoss,
          validationErrorMm: record.validationErrorMm,
        },
      });
    }
    await writeCheckpoint(checkpoint, {
      net,
      object,
      params: metres,
      adam,
      epochs: history,
      bestEpoch,
      runOptions,
    });
    await writeFileAtomic(join(root, LOSSES_CSV), lossesCsv(history));
    await options.onEpoch?.(record, {
      epochs: settings.epochs,
      elapsedSeconds: (performance.now() - started) / 1000,
      history,
    });
  }
  tape.reset();
  return {
    modelDir: root,
    epochs: history,
    bestEpoch,
    parameters: params.reduce((n, p) => n + p.data.length, 0),
  };
}

/** losses.csv: one row per epoch, errors in millimetres after rollout step 1 and the last step. */
export function lossesCsv(epochs: readonly EpochRecord[]): string {
  const rows = [
    'epoch,train_loss,validation_loss,train_error_step1_mm,train_error_last_mm,validation_error_step1_mm,validation_error_last_mm,seconds',
  ];
  for (const e of epochs)
    rows.push(
      [
        e.epoch,
        e.trainLoss,
        e.validationLoss,
        e.trainErrorMm[0],
        e.trainErrorMm[e.trainErrorMm.length - 1],
        e.validationErrorMm[0],
        e.validationErrorMm[e.validationErrorMm.length - 1],
        e.seconds.toFixed(2),
      ].join(','),
    );
  return `${rows.join('\n')}\n`;
}

class Mean {
  private count = 0;
  private lossSum = 0;
  private readonly errorSums: number[];
  constructor(steps: number) {
    this.errorSums = new Array(steps).fill(0);
  }
  add(loss: number, errors: number[]): void {
    this.count++;
    this.lossSum += loss;
    errors.forEach((e, i) => {
      this.errorSums[i] += e;
    });
  }
  loss(): number {
    return this.lossSum / Math.max(1, this.count);
  }
  errorMm(): number[] {
    return this.errorSums.map((e) => (1000 * e) / Math.max(1, this.count));
  }
}

interface CheckpointInput {
  net: PropNetConfig;
  object: ObjectConfig;
  params: PropNetParams;
  adam: Adam;
  epochs: EpochRecord[];
  bestEpoch: number;
  runOptions: Record<string, unknown>;
}

async function writeCheckpoint(dir: string, c: CheckpointInput): Promise<void> {
  await saveModel(dir, { config: c.net, object: c.object, params: c.params }, { onnx: false });
  const arrays: Record<string, NdArray> = {};
  for (const [name, s] of c.adam.exportState()) {
    arrays[`${name}.m`] = { dtype: 'float32', shape: [s.m.length], data: s.m };
    arrays[`${name}.v`] = { dtype: 'float32', shape: [s.v.length], data: s.v };
    arrays[`${name}.t`] = { dtype: 'float64', shape: [1], data: Float64Array.of(s.t) };
  }
  await writeFileAtomic(join(dir, OPTIMIZER_FILE), encodeNpz(arrays));
  // Written last: a checkpoint with a progress file is complete.
  const progress: z.infer<typeof ProgressSchema> = {
    format: 'gsdyn.train-progress',
    version: 1,
    options: JSON.parse(JSON.stringify(c.runOptions)),
    epochs: c.epochs,
    bestEpoch: c.bestEpoch,
  };
  await writeFileAtomic(join(dir, PROGRESS_FILE), `${JSON.stringify(progress, null, 2)}\n`);
}

async function readCheckpoint(
  dir: string,
  runOptions: Record<string, unknown>,
): Promise<
  | {
      params: PropNetParams;
      epochs: EpochRecord[];
      bestEpoch: number;
      optimizer: Map<string, { m: Float32Array; v: Float32Array; t: number }>;
    }
  | undefined
> {
  const progressPath = join(dir, PROGRESS_FILE);
  let text: string;
  try {
    text = await readFile(progressPath, 'utf8');
  } catch {
    return undefined; // nothing to resume: start from scratch
  }
  const parsed = ProgressSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(
      `${progressPath}: not a training progress file: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  const expected = JSON.stringify(JSON.parse(JSON.stringify(runOptions)));
  const { epochs: _e, ...savedRest } = parsed.data.options as Record<string, unknown>;
  const { epochs: _f, ...wantedRest } = JSON.parse(expected) as Record<string, unknown>;
  if (JSON.stringify(savedRest) !== JSON.stringify(wantedRest))
    throw new Error(
      `${progressPath}: the checkpoint was trained with different options (${JSON.stringify(savedRest)}); resume needs the same ones (only --epochs may change)`,
    );
  const model = await loadModel(dir);
  const optimizerPath = join(dir, OPTIMIZER_FILE);
  const arrays = parseNpz(new Uint8Array(await readFile(optimizerPath)), optimizerPath);
  const optimizer = new Map<string, { m: Float32Array; v: Float32Array; t: number }>();
  for (const p of model.params) {
    const m = arrays[`${p.name}.m`]?.data;
    const v = arrays[`${p.name}.v`]?.data;
    const t = arrays[`${p.name}.t`]?.data;
    if (!(m instanceof Float32Array) || !(v instanceof Float32Array) || t === undefined)
      throw new Error(`${optimizerPath}: missing the Adam moments of '${p.name}'`);
    optimizer.set(p.name, { m, v, t: Number(t[0]) });
  }
  return { params: model.params, epochs: parsed.data.epochs, bestEpoch: parsed.data.bestEpoch, optimizer };
}
