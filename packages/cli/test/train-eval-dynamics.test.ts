import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './cli-helpers.js';

let dir: string;
let dataset: string;
let model: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-cli-train-'));
  dataset = join(dir, 'dataset');
  model = join(dir, 'model');
  const r = runCli([
    'dataset',
    '--sim',
    'rope',
    '--episodes',
    '3',
    '--frames',
    '30',
    '--out',
    dataset,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('train --json: a model directory with ONNX, loss curves and a checkpoint; a wrong --object is refused', async () => {
  const args = [
    'train',
    dataset,
    '--out',
    model,
    '--epochs',
    '2',
    '--steps',
    '3',
    '--batch',
    '4',
    '--hidden',
    '8',
  ];
  const r = runCli([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.epochs.length, 2);
  assert.ok(summary.parameters > 0);
  assert.match(r.stderr, /epoch 2\/2: train loss/);
  for (const file of [
    'model.json',
    'weights.npz',
    'model.onnx',
    'losses.csv',
    'loss.png',
    'checkpoint/progress.json',
  ])
    assert.ok((await stat(join(model, file))).size > 0, file);
  assert.equal((await readFile(join(model, 'losses.csv'), 'utf8')).trim().split('\n').length, 3);

  const wrong = runCli([...args, '--object', 'cloth']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /--object cloth contradicts the dataset .* which is rope/);
});

test('eval-dynamics: the model, the fitted baseline and "still" in one table; --json has every score', () => {
  const common = ['eval-dynamics', '--model', model, '--dataset', dataset, '--windows', '12'];
  const fast = ['--baseline-evals', '8', '--baseline-windows', '2', '--workers', '1'];
  const table = runCli([...common, ...fast]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /rope dynamics, mm: 12 validation pushes of 5 steps, 1 episodes/);
  for (const row of ['model', 'baseline', 'still'])
    assert.match(table.stdout, new RegExp(`^${row}\\s+\\d+\\.\\d\\d`, 'm'));
  const r = runCli([...common, ...fast, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout);
  assert.equal(e.windows, 12);
  for (const method of ['model', 'baseline', 'still'])
    for (const key of ['errorStep1Mm', 'errorHorizonMm', 'errorEpisodeMm', 'chamferMm', 'emdMm'])
      assert.ok(Number.isFinite(e[method][key]), `${method}.${key}`);
  assert.ok(e.baselineFit.evaluations > 0);
});
