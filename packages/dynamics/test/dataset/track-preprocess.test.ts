import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import {
  motionOutlierMask,
  opacityMask,
  preprocessTracks,
  smoothTracks,
  subsampleTracks,
} from '../../src/dataset/track-preprocess.js';
import { farthestPointSampling } from '../../src/graph/farthest-point-sampling.js';

test('opacity filter keeps logit > 0, i.e. opacity above one half', () => {
  assert.deepEqual([...opacityMask([-1, 0, 1e-6, 3, -1e-6])], [0, 0, 1, 1, 0]);
});

/** T = 3 tracks of points that go out along x by half their path length and come back: net motion 0. */
function outAndBack(lengths: number[]): Float32Array {
  const n = lengths.length;
  const tracks = new Float32Array(3 * n * 3);
  lengths.forEach((l, i) => {
    tracks[(n + i) * 3] = l / 2;
  });
  return tracks;
}

test('MAD motion filter: path lengths, numpy medians (mean of the middle two), threshold 3', () => {
  // Median 1; deviations 0.125 0 0 0 0 0.125 0.25 4: their median is (0 + 0.125) / 2 = 0.0625, so the scores are
  // 2 0 0 0 0 2 4 64. A lower or upper middle value instead would keep everything or drop only the last.
  const lengths = [0.875, 1, 1, 1, 1, 1.125, 1.25, 5];
  assert.deepEqual([...motionOutlierMask(outAndBack(lengths), 3, 8, 3)], [1, 1, 1, 1, 1, 1, 0, 0]);
  assert.deepEqual([...motionOutlierMask(outAndBack(lengths), 3, 8, 4.5)], [1, 1, 1, 1, 1, 1, 1, 0]);
  // Odd count: median 1 and deviations 0 0 0 0.5 4 have median 0: MAD = 0 keeps every point (as the reference).
  assert.deepEqual([...motionOutlierMask(outAndBack([1, 1, 1, 1.5, 5]), 3, 5, 3)], [1, 1, 1, 1, 1]);
  // One frame: no motion at all, everything kept.
  assert.deepEqual([...motionOutlierMask(new Float32Array(6), 1, 2, 3)], [1, 1]);
});

test('smoothing: 3-tap box filter over interior frames, every pass from the previous one', () => {
  const spike = new Float32Array(15);
  spike[2 * 3] = 3; // x of the single point at frame 2 of 5
  const once = spike.slice();
  smoothTracks(once, 5, 1, 1);
  assert.deepEqual(
    Array.from({ length: 5 }, (_, t) => once[3 * t]),
    [0, 1, 1, 1, 0],
  );
  const twice = spike.slice();
  smoothTracks(twice, 5, 1, 2);
  const x = Array.from({ length: 5 }, (_, t) => twice[3 * t]);
  for (const [t, v] of [0, 2 / 3, 1, 2 / 3, 0].entries()) assert.ok(Math.abs(x[t] - v) < 1e-6, `${x}`);
  // Linear motion is a fixed point of the filter: 10 passes leave it (up to float32).
  const rng = new Random(2);
  const T = 12;
  const n = 20;
  const start = Array.from({ length: 3 * n }, () => rng.uniform(-0.2, 0.2));
  const velocity = Array.from({ length: 3 * n }, () => rng.uniform(-0.01, 0.01));
  const linear = Float32Array.from({ length: T * 3 * n }, (_, i) => {
    const t = Math.floor(i / (3 * n));
    return start[i % (3 * n)] + t * velocity[i % (3 * n)];
  });
  const smoothed = linear.slice();
  smoothTracks(smoothed, T, n, 10);
  for (const [i, v] of smoothed.entries()) assert.ok(Math.abs(v - linear[i]) < 1e-6);
});

test('subsampling: all points in order up to the limit, else farthest point sampling on frame 0 from point 0', () => {
  const rng = new Random(4);
  const T = 3;
  const n = 50;
  const tracks = Float32Array.from({ length: T * n * 3 }, () => rng.uniform(0, 1));
  const all = subsampleTracks(tracks, T, n, 50);
  assert.deepEqual(all.particles, tracks);
  const some = subsampleTracks(tracks, T, n, 10);
  assert.deepEqual(some.indices, farthestPointSampling(tracks.subarray(0, 3 * n), 10, 0));
  for (let t = 0; t < T; t++)
    for (let j = 0; j < 10; j++)
      for (let a = 0; a < 3; a++)
        assert.equal(some.particles[(t * 10 + j) * 3 + a], tracks[(t * n + some.indices[j]) * 3 + a]);
});

test('preprocessTracks: transparent Gaussians and motion outliers never reach the particles', () => {
  const rng = new Random(5);
  const T = 6;
  const good = 1200;
  const transparent = 40;
  const wild = 3;
  const N = good + transparent + wild;
  const means = new Float32Array(T * N * 3);
  const logits = new Float32Array(N);
  const velocity = [0.004, 0.001, 0];
  for (let i = 0; i < N; i++) {
    const p = [rng.uniform(0, 0.3), rng.uniform(0, 0.3), rng.uniform(0, 0.05)];
    // Transparent Gaussians sit 10 m up, wild ones jump 1 m every frame: both are easy to recognise below.
    if (i >= good && i < good + transparent) p[2] = 10;
    logits[i] = i >= good && i < good + transparent ? -rng.uniform(0.01, 3) : rng.uniform(0.01, 3);
    // Speeds uniform in +-10%: the largest deviation from the median is twice the MAD, under the threshold 3.
    const speed = rng.uniform(0.9, 1.1);
    for (let t = 0; t < T; t++)
      for (let a = 0; a < 3; a++)
        means[(t * N + i) * 3 + a] = p[a] + velocity[a] * speed * t + (i >= N - wild ? t % 2 : 0);
  }
  const result = preprocessTracks(means, T, N, logits);
  assert.deepEqual(result.kept, { input: N, opaque: good + wild, inliers: good });
  assert.equal(result.count, 1000);
  for (let i = 0; i < result.count * T; i++) {
    assert.ok(result.particles[3 * i + 2] < 1, 'no transparent Gaussian');
    assert.ok(result.particles[3 * i] < 0.5, 'no wild Gaussian');
  }
  assert.throws(() => preprocessTracks(means, T, N, new Float32Array(N).fill(-1)), /opacity/);
  assert.throws(() => preprocessTracks(means, T, N, new Float32Array(3)), /logitOpacities/);
});
