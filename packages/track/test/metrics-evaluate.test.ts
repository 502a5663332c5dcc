import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readEpisode } from '@gsdyn/formats';
import { generateEpisode } from '@gsdyn/sim';
import { createCloud } from '@gsdyn/splat';
import { evaluateTracks } from '../src/metrics/evaluate.js';
import { writeTracks } from '../src/track-dir.js';

let dir: string;
let episodeDir: string;
let truth: Float32Array;
let T: number;
let K: number;
let visibleObservations: number;

/** A track directory whose Gaussians are `means` (T, N, 3). */
async function writeTrackDir(name: string, means: Float32Array, frames: number): Promise<string> {
  const N = means.length / (3 * frames);
  const cloud = createCloud(N);
  cloud.means.set(means.subarray(0, 3 * N));
  const rotations = new Float32Array(frames * N * 4);
  for (let i = 0; i < frames * N; i++) rotations[4 * i] = 1;
  return writeTracks(join(dir, name), {
    manifest: {
      format: 'gsdyn.tracks',
      version: 1,
      episode: episodeDir,
      frames,
      gaussians: N,
      preset: 'test',
      pixelConvention: 'opencv',
      options: {},
      seconds: new Array(frames).fill(0),
      losses: new Array(frames).fill({}),
    },
    means,
    rotations,
    cloud,
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-eval-tracks-'));
  episodeDir = join(dir, 'rope');
  await generateEpisode(episodeDir, {
    kind: 'rope',
    frames: 2,
    width: 64,
    height: 48,
    views: 2,
    seed: 3,
    surfacePoints: 48,
    supersample: 1,
  });
  const t = await (await readEpisode(episodeDir)).readTruth();
  assert.ok(t?.surfaceVisibility);
  truth = t.surfacePoints.data;
  T = t.surfacePoints.frames;
  K = t.surfacePoints.count;
  visibleObservations = t.surfaceVisibility.reduce((a, b) => a + b, 0);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('Gaussians placed at the truth points: 0 mm in 3D and 2D with k = 1, sub-millimetre with k = 3', async () => {
  const tracks = await writeTrackDir('exact', truth.slice(), T);
  const e = await evaluateTracks(tracks, episodeDir, { k: 1 });
  assert.deepEqual(e.association, { k: 1, points: K });
  assert.equal(e.frames, T);
  assert.equal(e.metrics3d.medianTrajectoryErrorMm, 0);
  assert.equal(e.metrics3d.deltaAvg, 100);
  assert.equal(e.metrics3d.survival, 100);
  assert.equal(e.metrics3d.observations, T * K);
  assert.deepEqual(e.perFrameMedianMm, [0, 0]);
  assert.ok(e.metrics2d, 'the sim writes visibility, so there are 2D metrics');
  assert.ok(visibleObservations > 0);
  assert.equal(e.metrics2d.observations, visibleObservations);
  assert.equal(e.metrics2d.medianTrajectoryErrorMm, 0);
  assert.equal(e.metrics2d.deltaAvg, 100);

  // k = 3 (default): the point is carried by its offsets from its three Gaussians, so frame 0 is exact and later
  // frames are off only by how differently the neighbours (~1 cm apart on this rope) move: far below a millimetre.
  const blended = await evaluateTracks(tracks, episodeDir);
  assert.equal(blended.association.k, 3);
  assert.equal(blended.perFrameMedianMm[0], 0);
  assert.ok(
    blended.metrics3d.medianTrajectoryErrorMm < 0.5,
    `${blended.metrics3d.medianTrajectoryErrorMm} mm`,
  );
});

test('Gaussians displaced by 5 mm after frame 0 read as 2.5 mm MTE over 2 frames and 5 mm at frame 1', async () => {
  const means = truth.slice();
  for (let i = K * 3; i < means.length; i += 3) means[i + 2] += 0.005;
  const e = await evaluateTracks(await writeTrackDir('drift', means, T), episodeDir, { k: 1 });
  assert.ok(
    Math.abs(e.metrics3d.medianTrajectoryErrorMm - 2.5) < 1e-3,
    `${e.metrics3d.medianTrajectoryErrorMm}`,
  );
  assert.equal(e.perFrameMedianMm[0], 0);
  assert.ok(Math.abs(e.perFrameMedianMm[1] - 5) < 1e-3);
  // Half the observations are exact, half at 5 mm: within 2 and 4 mm 50%, within 8 and 16 mm 100%.
  assert.deepEqual(e.metrics3d.withinThreshold, [50, 50, 100, 100]);
  assert.equal(e.metrics3d.deltaAvg, 75);
});

test('an episode without ground truth, and tracks longer than the truth, are errors naming the file', async () => {
  const bare = join(dir, 'bare');
  await cp(episodeDir, bare, { recursive: true });
  const manifestFile = join(bare, 'episode.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  delete manifest.truth;
  await writeFile(manifestFile, JSON.stringify(manifest));
  const tracks = await writeTrackDir('for-bare', truth.slice(), T);
  await assert.rejects(evaluateTracks(tracks, bare), (err: Error) => {
    assert.match(err.message, /episode\.json: the episode has no ground truth/);
    assert.ok(err.message.includes(manifestFile));
    return true;
  });
  const long = new Float32Array(3 * K * 3);
  long.set(truth);
  long.set(truth.subarray(K * 3), 2 * K * 3);
  const tooLong = await writeTrackDir('long', long, 3);
  await assert.rejects(evaluateTracks(tooLong, episodeDir), (err: Error) => {
    assert.ok(err.message.includes(join(tooLong, 'tracks.json')));
    assert.match(err.message, /frames is 3, .*surface_points\.npy has only 2 frames/);
    return true;
  });
});

test('tracks of the first frames only (gsdyn track --frames) are scored on those frames', async () => {
  const means = truth.slice(0, K * 3);
  for (let i = 0; i < means.length; i += 3) means[i] += 0.003;
  const e = await evaluateTracks(await writeTrackDir('first-frame', means, 1), episodeDir, { k: 1 });
  assert.equal(e.frames, 1);
  assert.equal(e.metrics3d.observations, K);
  // Frame 0 is where the association is made: exact whatever the offset.
  assert.equal(e.metrics3d.medianTrajectoryErrorMm, 0);
  assert.deepEqual(e.perFrameMedianMm, [0]);
  assert.ok(e.metrics2d);
  assert.ok(e.metrics2d.observations <= visibleObservations);
});
