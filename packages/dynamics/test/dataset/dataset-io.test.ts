import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeNpy, ndarray } from '@gsdyn/formats';
import { Random } from '@gsdyn/geometry';
import type { DatasetEpisodeSource } from '../../src/dataset/episode-source.js';
import { readDataset } from '../../src/dataset/read-dataset.js';
import { selectWindows } from '../../src/dataset/windows.js';
import { buildDataset } from '../../src/dataset/write-dataset.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gsdyn-dataset-io-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A synthetic episode: particles drifting along x while the end effector moves 6 mm per frame. */
function episode(name: string, frames: number, particles: number, seed: number): DatasetEpisodeSource {
  const rng = new Random(seed);
  const base = Array.from({ length: 3 * particles }, () => rng.uniform(0, 0.2));
  return {
    name,
    frames,
    particleCount: particles,
    particles: Float32Array.from({ length: frames * particles * 3 }, (_, i) => {
      const t = Math.floor(i / (3 * particles));
      return base[i % (3 * particles)] + (i % 3 === 0 ? 0.002 * t : 0);
    }),
    endEffector: Float32Array.from({ length: frames * 3 }, (_, i) =>
      i % 3 === 0 ? 0.006 * Math.floor(i / 3) : 0.02,
    ),
    origin: { test: seed },
  };
}

test('write then read: arrays, windows, sorted split and manifest survive the round trip', async () => {
  const sources = [episode('ep_10', 30, 40, 1), episode('ep_2', 25, 60, 2), episode('ep_1', 20, 50, 3)];
  const dir = join(root, 'roundtrip');
  const summary = await buildDataset(sources, dir, { object: 'cloth', source: 'other' });
  assert.deepEqual(
    summary.manifest.episodes.map((e) => [e.name, e.split]),
    [
      ['ep_1', 'train'],
      ['ep_2', 'train'],
      ['ep_10', 'validation'],
    ],
  );
  const dataset = await readDataset(dir);
  assert.equal(dataset.object, 'cloth');
  assert.equal(dataset.history, 3);
  assert.equal(dataset.horizon, 5);
  assert.deepEqual(dataset.manifest, summary.manifest);
  for (const e of dataset.episodes) {
    const source = sources.find((s) => s.name === e.name)!;
    assert.deepEqual(e.particles, source.particles);
    assert.deepEqual(e.endEffector, source.endEffector);
    const windows = selectWindows(source.endEffector, {
      stepDistance: 0.01,
      history: 3,
      horizon: 5,
      padding: 'repeat',
    });
    assert.deepEqual(e.windows, windows.frames);
    assert.equal(e.windowCount, source.frames);
  }
  assert.equal(summary.trainWindows, 20 + 25);
  assert.equal(summary.validationWindows, 30);
  assert.deepEqual((await readdir(root)).sort(), ['roundtrip']);
});

test('an existing dataset is replaced only with overwrite; a failing source leaves nothing behind', async () => {
  const dir = join(root, 'replace');
  await buildDataset([episode('a', 10, 5, 1)], dir, { object: 'rope', source: 'other' });
  await assert.rejects(
    buildDataset([episode('b', 10, 5, 2)], dir, { object: 'rope', source: 'other' }),
    /already exists/,
  );
  await buildDataset([episode('b', 10, 5, 2)], dir, {
    object: 'rope',
    source: 'other',
    overwrite: true,
    padding: 'drop',
  });
  const replaced = await readDataset(dir);
  assert.deepEqual(
    replaced.episodes.map((e) => e.name),
    ['b'],
  );
  assert.equal(replaced.manifest.windows.padding, 'drop');

  const broken = { ...episode('c', 10, 5, 3), particles: new Float32Array(7) };
  const failed = join(root, 'failed');
  await assert.rejects(
    buildDataset([episode('ok', 10, 5, 1), broken], failed, { object: 'rope', source: 'other' }),
    /episode "c": particles has 7 values/,
  );
  await assert.rejects(
    buildDataset([episode('x', 10, 5, 1), episode('x', 10, 5, 2)], failed, {
      object: 'rope',
      source: 'other',
    }),
    /two episodes are named "x"/,
  );
  await assert.rejects(buildDataset([], failed, { object: 'rope', source: 'other' }), /no episodes/);
  assert.deepEqual((await readdir(root)).filter((n) => n !== 'roundtrip').sort(), ['replace']);
});

test('readDataset names the file and the field at fault', async () => {
  const dir = join(root, 'bad');
  const write = () =>
    buildDataset([episode('e', 12, 8, 1)], dir, { object: 'plush', source: 'sim', overwrite: true });
  await assert.rejects(readDataset(join(root, 'nothing')), /dataset\.json: missing/);

  await write();
  const manifestFile = join(dir, 'dataset.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  manifest.episodes[0].frames = -3;
  await writeFile(manifestFile, JSON.stringify(manifest));
  await assert.rejects(readDataset(dir), /dataset\.json: episodes\.0\.frames/);

  await write();
  await writeFile(manifestFile, '{ not json');
  await assert.rejects(readDataset(dir), /dataset\.json: invalid JSON/);

  await write();
  await writeFile(
    join(dir, 'episodes/e/particles.npy'),
    encodeNpy(ndarray('float32', [12, 7, 3], new Float32Array(252))),
  );
  await assert.rejects(
    readDataset(dir),
    /episodes\/e\/particles\.npy: float32 \(12, 7, 3\), expected float32/,
  );

  await write();
  const windows = new Int32Array(12 * 8).fill(1);
  windows[20] = 12;
  await writeFile(join(dir, 'episodes/e/windows.npy'), encodeNpy(ndarray('int32', [12, 8], windows)));
  await assert.rejects(readDataset(dir), /windows\.npy: window 2 has frame 12, expected 0\.\.11/);

  await write();
  await rm(join(dir, 'episodes/e/end_effector.npy'));
  await assert.rejects(readDataset(dir), /end_effector\.npy: missing/);
});
