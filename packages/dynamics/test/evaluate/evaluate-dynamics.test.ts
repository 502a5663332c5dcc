import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Dataset, readDataset } from '../../src/dataset/read-dataset.js';
import { simulateDatasetEpisode } from '../../src/dataset/sim-source.js';
import { buildDataset } from '../../src/dataset/write-dataset.js';
import { evaluateDynamics, stepFrames } from '../../src/evaluate/evaluate-dynamics.js';
import type { PropNetModel } from '../../src/model/model-dir.js';
import { initPropNet } from '../../src/model/params.js';
import { edgeDim, objectConfig, vertexDim } from '../../src/object-config.js';

let dir: string;
let dataset: Dataset;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-eval-dynamics-'));
  const sources = [0, 1, 2].map((seed) =>
    simulateDatasetEpisode('rope', { name: `e${seed}`, frames: 40, seed }),
  );
  await buildDataset(sources, join(dir, 'dataset'), { object: 'rope', source: 'sim' });
  dataset = await readDataset(join(dir, 'dataset'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ropeModel(zeroOutput: boolean): PropNetModel {
  const object = objectConfig('rope');
  const config = { vertexDim: vertexDim(object), edgeDim: edgeDim(object), hidden: 8, propagationSteps: 3 };
  const params = initPropNet(config, 1);
  if (zeroOutput) for (const p of params) if (p.name.startsWith('decoder.2')) p.data.fill(0);
  return { config, object, params };
}

test('a network that predicts no motion scores exactly as "still"; a random one does not', async () => {
  const options = { maxWindows: 30, baselineEvaluations: 16, baselineFitWindows: 4 };
  const frozen = await evaluateDynamics(ropeModel(true), dataset, options);
  assert.equal(frozen.episodes, 1);
  assert.equal(frozen.windows, 30);
  assert.ok(frozen.movingWindows > 0 && frozen.movingWindows < 30, `${frozen.movingWindows} moving pushes`);
  assert.deepEqual(frozen.model, frozen.still);
  // "still" errors are the true motion: positive, growing along the push.
  assert.ok(frozen.still.errorStep1Mm > 0 && frozen.still.errorHorizonMm > frozen.still.errorStep1Mm);
  assert.ok(frozen.still.moving.errorHorizonMm > frozen.still.errorHorizonMm);
  assert.ok(frozen.baselineFit, 'the baseline was fitted');
  assert.ok(
    frozen.baselineFit.evaluations > 0 && frozen.baselineFit.error <= frozen.baselineFit.initialError,
  );

  const random = await evaluateDynamics(ropeModel(false), dataset, {
    ...options,
    baselineParams: frozen.baselineParams,
  });
  assert.equal(random.baselineFit, undefined);
  assert.notDeepEqual(random.model, random.still);
  // Same particles, same windows, same baseline parameters: the baseline and "still" rows do not change.
  assert.deepEqual(random.still, frozen.still);
  assert.deepEqual(random.baseline, frozen.baseline);
});

test('stepFrames: one step per distance of end-effector travel, the last frame at 0.75 of it', () => {
  // x = 0, 0.004, 0.008, ... (4 mm per frame): 1 cm steps land on frames 3 (12 mm), 6, 9; the last frame (10,
  // 40 mm) is 4 mm past frame 9 and is not taken; with a last frame 8 mm past it would be.
  const path = (frames: number) =>
    Float32Array.from({ length: 3 * frames }, (_, i) => (i % 3 === 0 ? 0.004 * (i / 3) : 0));
  assert.deepEqual(stepFrames(path(11), 0, 0.01), [3, 6, 9]);
  const longer = path(12);
  longer[33] = 0.036 + 0.0076; // frame 11: 7.6 mm past frame 9
  assert.deepEqual(stepFrames(longer, 0, 0.01), [3, 6, 9, 11]);
});
