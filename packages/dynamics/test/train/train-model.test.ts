import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createWasmBackend, wasmBackendAvailable } from '../../src/autodiff/wasm/wasm-backend.js';
import { simulateDatasetEpisode } from '../../src/dataset/sim-source.js';
import { buildDataset } from '../../src/dataset/write-dataset.js';
import { loadModel } from '../../src/model/model-dir.js';
import { LOSSES_CSV, trainModel } from '../../src/train/train-model.js';

let dir: string;
let dataset: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-train-'));
  dataset = join(dir, 'dataset');
  const sources = [0, 1, 2, 3, 4].map((seed) =>
    simulateDatasetEpisode('rope', { name: `episode_${seed}`, frames: 40, seed }),
  );
  await buildDataset(sources, dataset, { object: 'rope', source: 'sim' });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const small = { hidden: 16, stepsPerEpoch: 6, validationBatches: 2, batchSize: 4, seed: 3 } as const;

test('training lowers the rollout loss and writes a loadable model, losses.csv and a checkpoint', async () => {
  const out = join(dir, 'model');
  const summary = await trainModel(dataset, out, { ...small, epochs: 4, stepsPerEpoch: 15, lr: 3e-3 });
  assert.equal(summary.epochs.length, 4);
  const first = summary.epochs[0];
  const last = summary.epochs[summary.epochs.length - 1];
  assert.ok(last.trainLoss < 0.5 * first.trainLoss, `train loss ${first.trainLoss} -> ${last.trainLoss}`);
  assert.ok(summary.bestEpoch >= 1 && summary.bestEpoch <= 4);
  const model = await loadModel(out);
  assert.equal(model.config.hidden, 16);
  assert.equal(model.object.object, 'rope');
  assert.equal(model.training?.epoch, summary.bestEpoch);
  const csv = (await readFile(join(out, LOSSES_CSV), 'utf8')).trim().split('\n');
  assert.equal(csv.length, 5);
  assert.match(csv[0], /^epoch,train_loss,validation_loss/);
  // The validation error grows along the rollout: each step adds its own error.
  for (const e of summary.epochs) assert.ok(e.validationErrorMm[4] > e.validationErrorMm[0]);
});

test('a resumed run gives the same weights as an uninterrupted one', async () => {
  const straight = join(dir, 'straight');
  const resumed = join(dir, 'resumed');
  await trainModel(dataset, straight, { ...small, epochs: 2 });
  await trainModel(dataset, resumed, { ...small, epochs: 1 });
  const summary = await trainModel(dataset, resumed, { ...small, epochs: 2, resume: true });
  assert.deepEqual(
    summary.epochs.map((e) => e.epoch),
    [1, 2],
  );
  const a = await readFile(join(straight, 'checkpoint', 'weights.npz'));
  const b = await readFile(join(resumed, 'checkpoint', 'weights.npz'));
  assert.ok(a.equals(b), 'checkpoint weights differ');
  await assert.rejects(
    trainModel(dataset, resumed, { ...small, hidden: 8, epochs: 3, resume: true }),
    /different options/,
  );
  await assert.rejects(
    trainModel(dataset, join(dir, 'bad'), { ...small, epochs: 0 }),
    /epochs must be a positive integer/,
  );
  await assert.rejects(
    trainModel(dataset, join(dir, 'bad'), { ...small, seed: -1 }),
    /seed must be a non-negative integer/,
  );
});

test('the wasm backend trains to the same loss as the reference backend', {
  skip: !wasmBackendAvailable(),
}, async () => {
  const backend = createWasmBackend({ threads: 2 });
  try {
    const a = await trainModel(dataset, join(dir, 'ref'), { ...small, epochs: 1 });
    const b = await trainModel(dataset, join(dir, 'wasm'), { ...small, epochs: 1, backend });
    const rel = Math.abs(a.epochs[0].trainLoss - b.epochs[0].trainLoss) / a.epochs[0].trainLoss;
    assert.ok(rel < 1e-3, `reference ${a.epochs[0].trainLoss}, wasm ${b.epochs[0].trainLoss}`);
  } finally {
    backend.dispose();
  }
});
