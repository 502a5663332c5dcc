import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readEpisode } from '@gsdyn/formats';
import { generateEpisode } from '@gsdyn/sim';
import { createCloud } from '@gsdyn/splat';
import { writeTracks } from '@gsdyn/track';
import { runCli } from './cli-helpers.js';

let dir: string;
let episodeDir: string;
let trackDir: string;
let points: number;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-cli-eval-tracks-'));
  episodeDir = join(dir, 'rope');
  await generateEpisode(episodeDir, {
    kind: 'rope',
    frames: 2,
    width: 64,
    height: 48,
    views: 2,
    seed: 5,
    surfacePoints: 32,
    supersample: 1,
  });
  const truth = await (await readEpisode(episodeDir)).readTruth();
  assert.ok(truth);
  const { frames, count, data } = truth.surfacePoints;
  points = count;
  // One Gaussian per truth point, on it at frame 0 and 3 mm above it at frame 1: with k = 1 the 3D errors are 0 and
  // 3 mm, so each track's median is 1.5 mm.
  const means = data.slice();
  for (let i = 3 * count + 2; i < means.length; i += 3) means[i] += 0.003;
  const cloud = createCloud(count);
  cloud.means.set(means.subarray(0, 3 * count));
  const rotations = new Float32Array(frames * count * 4);
  for (let i = 0; i < frames * count; i++) rotations[4 * i] = 1;
  trackDir = await writeTracks(join(dir, 'tracks'), {
    manifest: {
      format: 'gsdyn.tracks',
      version: 1,
      episode: episodeDir,
      frames,
      gaussians: count,
      preset: 'test',
      pixelConvention: 'opencv',
      options: {},
      seconds: [0, 0],
      losses: [{}, {}],
    },
    means,
    rotations,
    cloud,
  });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('eval-tracks --json prints one object with the 3D and 2D metrics', () => {
  const r = runCli(['eval-tracks', trackDir, '--episode', episodeDir, '--k', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.tracks, trackDir);
  assert.deepEqual(result.association, { k: 1, points });
  assert.equal(result.frames, 2);
  assert.ok(Math.abs(result.metrics3d.medianTrajectoryErrorMm - 1.5) < 1e-3, r.stdout);
  assert.deepEqual(result.metrics3d.withinThreshold, [50, 100, 100, 100]);
  assert.equal(result.metrics3d.deltaAvg, 87.5);
  assert.equal(result.metrics3d.survival, 100);
  assert.equal(result.perFrameMedianMm.length, 2);
  // A vertical offset seen from cameras looking down at an angle is partly along the ray: under 3 mm in 2D.
  assert.ok(result.metrics2d.observations > 0);
  assert.ok(result.metrics2d.medianTrajectoryErrorMm > 0 && result.metrics2d.medianTrajectoryErrorMm < 3);
});

test('eval-tracks prints a table with 3D and 2D rows; --help explains the metrics', () => {
  const r = runCli(['eval-tracks', trackDir, '--episode', episodeDir, '--k', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /MTE mm\s+delta_avg\s+<2mm\s+<4mm\s+<8mm\s+<16mm\s+survival/);
  assert.match(r.stdout, /^3D\s+1\.50\s+87\.50\s+50\.00\s+100\.00\s+100\.00\s+100\.00\s+100\.00\s+64$/m);
  assert.match(r.stdout, /^2D\s+\d/m);
  const help = runCli(['eval-tracks', '--help']);
  assert.equal(help.code, 0);
  for (const term of [
    'MTE',
    'delta_avg',
    'survival',
    '0.5 m',
    '(fx + fy) / 2',
    'per track the median of its errors',
  ])
    assert.ok(help.stdout.includes(term), `--help does not mention ${term}`);
});

test('eval-tracks fails with exit 1 naming the file when the episode is not one', () => {
  const r = runCli(['eval-tracks', trackDir, '--episode', join(dir, 'missing'), '--json']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /missing/);
  assert.equal(JSON.parse(r.stdout).ok, false);
  const usage = runCli(['eval-tracks', trackDir]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--episode/);
});
