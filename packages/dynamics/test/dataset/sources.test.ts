import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readEpisode } from '@gsdyn/formats';
import { generateEpisode } from '@gsdyn/sim';
import { readDataset } from '../../src/dataset/read-dataset.js';
import { simulateDatasetEpisode } from '../../src/dataset/sim-source.js';
import { loadTruthEpisode } from '../../src/dataset/truth-source.js';
import { buildDataset } from '../../src/dataset/write-dataset.js';

let root: string;
let episodeDir: string;
const FRAMES = 10;
const SEED = 17;
const POINTS = 64;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gsdyn-dataset-sources-'));
  episodeDir = join(root, 'rope-episode');
  await generateEpisode(episodeDir, {
    kind: 'rope',
    frames: FRAMES,
    width: 32,
    height: 24,
    views: 1,
    seed: SEED,
    surfacePoints: POINTS,
    supersample: 1,
  });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test("the physics-only generator reproduces generateEpisode's ground truth and end effector", async () => {
  const episode = await readEpisode(episodeDir);
  const truth = await episode.readTruth();
  assert.ok(truth);
  const source = simulateDatasetEpisode('rope', {
    name: 'sim',
    frames: FRAMES,
    seed: SEED,
    surfacePoints: POINTS,
  });
  assert.equal(source.particleCount, POINTS);
  assert.deepEqual(source.particles, truth.surfacePoints.data);
  assert.deepEqual(source.endEffector, Float32Array.from(episode.manifest.endEffector!.positions.flat()));
});

test('--source truth: the episode truth as it is (no more than 1000 points) or farthest-point sampled', async () => {
  const { source, objectKind } = await loadTruthEpisode(episodeDir);
  const truth = await (await readEpisode(episodeDir)).readTruth();
  assert.equal(objectKind, 'rope');
  assert.equal(source.name, 'rope-episode');
  assert.deepEqual(source.particles, truth!.surfacePoints.data);
  const fewer = await loadTruthEpisode(episodeDir, { maxPoints: 20, name: 'few' });
  assert.equal(fewer.source.particleCount, 20);
  assert.equal(fewer.source.particles.length, FRAMES * 20 * 3);
  // Point 0 starts the farthest point sampling.
  assert.deepEqual(fewer.source.particles.subarray(0, 3), truth!.surfacePoints.data.subarray(0, 3));
});

test('truth sources without truth or end effector fail naming the manifest field', async () => {
  const copy = join(root, 'edited');
  await cp(episodeDir, copy, { recursive: true });
  const file = join(copy, 'episode.json');
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  delete manifest.endEffector;
  await writeFile(file, JSON.stringify(manifest));
  await assert.rejects(loadTruthEpisode(copy), /episode\.json: endEffector: missing/);
  delete manifest.truth;
  await writeFile(file, JSON.stringify(manifest));
  await assert.rejects(loadTruthEpisode(copy), /episode\.json: truth: missing/);
});

test('two short simulated episodes make a dataset with a train and a validation episode', async () => {
  const dir = join(root, 'sim-dataset');
  const sources = function* () {
    for (const seed of [1, 2])
      yield simulateDatasetEpisode('rope', { name: `rope-${seed}`, frames: 24, seed });
  };
  const summary = await buildDataset(sources(), dir, { object: 'rope', source: 'sim' });
  const dataset = await readDataset(dir);
  assert.deepEqual(
    dataset.episodes.map((e) => [e.name, e.split, e.particleCount, e.windowCount]),
    [
      ['rope-1', 'train', 1000, 24],
      ['rope-2', 'validation', 1000, 24],
    ],
  );
  assert.equal(summary.trainWindows, 24);
  // The pusher moves: some windows are complete.
  assert.ok(dataset.manifest.episodes.every((e) => e.paddedWindows < e.windows));
});
