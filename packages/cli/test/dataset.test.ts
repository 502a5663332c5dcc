import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readDataset } from '@gsdyn/dynamics';
import { readEpisode } from '@gsdyn/formats';
import { generateEpisode } from '@gsdyn/sim';
import { createCloud } from '@gsdyn/splat';
import { writeTracks } from '@gsdyn/track';
import { buildProgram } from '../src/main.js';
import { runCli } from './cli-helpers.js';

let dir: string;
let episodeDir: string;
let trackDir: string;
const FRAMES = 8;
const POINTS = 48;
const TRANSPARENT = 5;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-cli-dataset-'));
  episodeDir = join(dir, 'rope_a');
  await generateEpisode(episodeDir, {
    kind: 'rope',
    frames: FRAMES,
    width: 32,
    height: 24,
    views: 1,
    seed: 9,
    surfacePoints: POINTS,
    supersample: 1,
  });
  // Tracks that follow the truth points exactly: one Gaussian per point, the first few transparent.
  const truth = (await (await readEpisode(episodeDir)).readTruth())!;
  const cloud = createCloud(POINTS);
  cloud.means.set(truth.surfacePoints.data.subarray(0, 3 * POINTS));
  cloud.logitOpacities.fill(2);
  cloud.logitOpacities.fill(-2, 0, TRANSPARENT);
  const rotations = new Float32Array(FRAMES * POINTS * 4);
  for (let i = 0; i < FRAMES * POINTS; i++) rotations[4 * i] = 1;
  trackDir = await writeTracks(join(dir, 'tracks', 'rope_a'), {
    manifest: {
      format: 'gsdyn.tracks',
      version: 1,
      episode: episodeDir,
      frames: FRAMES,
      gaussians: POINTS,
      preset: 'test',
      pixelConvention: 'opencv',
      options: {},
      seconds: new Array(FRAMES).fill(0),
      losses: new Array(FRAMES).fill({}),
    },
    means: truth.surfacePoints.data,
    rotations,
    cloud,
  });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('dataset --sim --json simulates the episodes and prints the summary', async () => {
  const out = join(dir, 'sim');
  const r = runCli([
    'dataset',
    '--sim',
    'rope',
    '--episodes',
    '2',
    '--frames',
    '6',
    '--points',
    '200',
    '--out',
    out,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.dataset, out);
  assert.equal(result.object, 'rope');
  assert.equal(result.source, 'sim');
  assert.deepEqual(
    result.episodes.map((e: { name: string; split: string; particles: number; windows: number }) => [
      e.name,
      e.split,
      e.particles,
      e.windows,
    ]),
    [
      ['episode_000', 'train', 200, 6],
      ['episode_001', 'validation', 200, 6],
    ],
  );
  assert.match(r.stderr, /dataset sim rope: 12\/12 frames/);
  const dataset = await readDataset(out);
  assert.equal(dataset.episodes[1].particles.length, 6 * 200 * 3);
});

test('dataset <track_dir> applies the track preprocessing and takes the object and end effector from the episode', async () => {
  const out = join(dir, 'from-tracks');
  const r = runCli(['dataset', trackDir, '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.object, 'rope');
  assert.equal(result.source, 'tracks');
  const [episode] = result.episodes;
  assert.equal(episode.name, 'rope_a');
  // Rigid truth motion has no outliers; the transparent Gaussians are gone.
  assert.equal(episode.particles, POINTS - TRANSPARENT);
  assert.deepEqual(episode.origin.gaussians, {
    input: POINTS,
    opaque: POINTS - TRANSPARENT,
    inliers: POINTS - TRANSPARENT,
  });
  const dataset = await readDataset(out);
  const manifest = (await readEpisode(episodeDir)).manifest;
  assert.deepEqual(
    dataset.episodes[0].endEffector,
    Float32Array.from(manifest.endEffector!.positions.flat()),
  );
});

test('dataset --source truth prints one line per episode and the totals', () => {
  const out = join(dir, 'from-truth');
  const r = runCli(['dataset', episodeDir, '--source', 'truth', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`^rope_a: train, ${FRAMES} frames, ${POINTS} particles, ${FRAMES} windows`, 'm'),
  );
  assert.match(r.stdout, /rope dataset from truth, 1 episodes \(1 train, 0 validation\)/);
});

test('dataset without inputs or --sim is a usage error; --help explains windows and sources', () => {
  const r = runCli(['dataset', '--out', join(dir, 'none')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /give track directories/);
  const help = buildProgram()
    .commands.find((c) => c.name() === 'dataset')!
    .helpInformation();
  for (const term of [
    'opacity > 0.5',
    'MAD',
    '1 cm of end-effector travel',
    '0.75 cm',
    'first 80% train',
    '--padding',
  ])
    assert.ok(help.includes(term), `--help does not mention ${term}`);
});
