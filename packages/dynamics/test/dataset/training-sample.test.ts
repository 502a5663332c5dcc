import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import type { Dataset, DatasetEpisode } from '../../src/dataset/read-dataset.js';
import { rolloutGraphInput, splitWindows, trainingSample } from '../../src/dataset/training-sample.js';
import { objectConfig } from '../../src/object-config.js';

/** An in-memory dataset: particle p at frame t is (p, t, 0.01 p) cm-scaled so every value names its source. */
function makeEpisode(name: string, split: 'train' | 'validation', frames: number, P: number): DatasetEpisode {
  const particles = new Float32Array(frames * P * 3);
  for (let t = 0; t < frames; t++)
    for (let p = 0; p < P; p++)
      particles.set([0.01 * (p % 20), 0.01 * Math.floor(p / 20), 0.001 * t], (t * P + p) * 3);
  const windows = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 2, 2, 4, 6, 6, 6, 6, 6]);
  return {
    name,
    split,
    frames,
    particleCount: P,
    particles,
    endEffector: Float32Array.from({ length: 3 * frames }, (_, i) =>
      i % 3 === 1 ? 0.005 * Math.floor(i / 3) : 0,
    ),
    windows,
    windowCount: 2,
  };
}

const episodes = [
  makeEpisode('a', 'train', 8, 300),
  makeEpisode('b', 'train', 8, 300),
  makeEpisode('c', 'validation', 8, 300),
];
const dataset = { history: 3, horizon: 5, episodes } as unknown as Dataset;

test('splitWindows lists the windows of the episodes in a split', () => {
  assert.deepEqual(splitWindows(dataset, 'validation'), [
    { episode: 2, window: 0 },
    { episode: 2, window: 1 },
  ]);
  assert.equal(splitWindows(dataset, 'train').length, 4);
});

test('a training sample gathers the chosen particles at the window frames, the same ones throughout', () => {
  const config = objectConfig('rope');
  const sample = trainingSample(dataset, { episode: 1, window: 1 }, config, new Random(3));
  assert.deepEqual([...sample.frames], [2, 2, 4, 6, 6, 6, 6, 6]);
  const n = sample.objectCount;
  assert.ok(n > 5 && n <= config.maxParticles, `${n}`);
  const P = 300;
  const frameOf = (f: number) => sample.frames[f];
  for (let f = 0; f < 8; f++) {
    const target = f < 3 ? sample.history : sample.future;
    const row = f < 3 ? f : f - 3;
    for (let i = 0; i < n; i++)
      for (let a = 0; a < 3; a++)
        assert.equal(
          target[(row * n + i) * 3 + a],
          episodes[1].particles[(frameOf(f) * P + sample.particleIndices[i]) * 3 + a],
        );
    assert.deepEqual(
      sample.tool.subarray(3 * f, 3 * f + 3),
      episodes[1].endEffector.subarray(3 * frameOf(f), 3 * frameOf(f) + 3),
    );
  }
  // Seeded: the same generator state picks the same particles.
  assert.deepEqual(trainingSample(dataset, { episode: 1, window: 1 }, config, new Random(3)), sample);
  assert.throws(() => trainingSample(dataset, { episode: 1, window: 2 }, config, new Random(3)), RangeError);
  assert.throws(
    () => trainingSample(dataset, { episode: 0, window: 0 }, { ...config, horizon: 4 }, new Random(3)),
    /horizon/,
  );
});

test('rollout graph inputs: the tool history slides by one frame per step and the action is its next move', () => {
  const sample = trainingSample(dataset, { episode: 0, window: 0 }, objectConfig('cloth'), new Random(1));
  const history = sample.history;
  const first = rolloutGraphInput(sample, 0, history, 3);
  assert.deepEqual(Array.from(first.toolHistory), [0, 0, 0, 0, 0.005, 0, 0, 0.01, 0].map(Math.fround));
  assert.ok(Math.abs(Number(first.action[1]) - 0.005) < 1e-7);
  const last = rolloutGraphInput(sample, 4, history, 3);
  assert.deepEqual(Array.from(last.toolHistory), [...sample.tool.subarray(12, 21)]);
  assert.ok(Math.abs(Number(last.action[1]) - (sample.tool[22] - sample.tool[19])) < 1e-9);
  assert.throws(() => rolloutGraphInput(sample, 5, history, 3), RangeError);
});
