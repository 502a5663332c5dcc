// End-to-end tracking on a tiny simulated episode: the millimetre bound CI holds the tracker to.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readEpisode } from '@gsdyn/formats';
import { generateEpisode } from '@gsdyn/sim';
import { blendWeights, createWasmTileRasterizer, wasmAvailable } from '@gsdyn/splat';
import { associatePoints, evaluateTracks, predictPoints } from '../src/metrics/index.js';
import { tracksFromResult, writeTracks } from '../src/track-dir.js';
import { plannedTrackIterations, trackEpisode } from '../src/tracker.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-track-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('tracking a pushed rope (16 frames, 160x120) stays within millimetres of the truth', async (t) => {
  const episodeDir = join(dir, 'rope');
  await generateEpisode(episodeDir, { kind: 'rope', frames: 16, width: 160, height: 120, views: 4, seed: 2 });
  const truth = (await (await readEpisode(episodeDir)).readTruth())!;
  const { count, data } = truth.surfacePoints;
  let moved = 0;
  for (let k = 0; k < count; k++) {
    const a = k * 3;
    const b = (15 * count + k) * 3;
    moved = Math.max(
      moved,
      Math.hypot(data[b] - data[a], data[b + 1] - data[a + 1], data[b + 2] - data[a + 2]),
    );
  }
  assert.ok(moved > 0.01, `the rope moved only ${(moved * 1000).toFixed(1)} mm: nothing to track`);

  const rasterizer = wasmAvailable() ? createWasmTileRasterizer() : undefined;
  try {
    const result = await trackEpisode(episodeDir, { itersFirst: 400, iters: 40, rasterizer });
    const out = join(dir, 'tracks');
    await writeTracks(out, tracksFromResult(result));
    const e = await evaluateTracks(out, episodeDir);
    const perFrame = e.perFrameMedianMm;
    t.diagnostic(
      `rope moved up to ${(moved * 1000).toFixed(1)} mm; 3D MTE ${e.metrics3d.medianTrajectoryErrorMm.toFixed(2)} mm, ` +
        `delta_avg ${e.metrics3d.deltaAvg.toFixed(1)}, survival ${e.metrics3d.survival.toFixed(0)}%; per-frame median ` +
        `${perFrame[0].toFixed(1)} -> ${perFrame[perFrame.length - 1].toFixed(1)} mm`,
    );
    assert.ok(e.metrics3d.medianTrajectoryErrorMm < 2, `3D MTE ${e.metrics3d.medianTrajectoryErrorMm} mm`);
    assert.equal(e.metrics3d.survival, 100);
    assert.equal(perFrame[0], 0, 'the association is exact at frame 0');
    // The median point of a pushed rope barely moves, so also score the points that moved more than 5 mm: at the
    // last frame tracking must have explained most of their motion (measured: 65% with these light settings; 71% with
    // the reference's 20 nearest neighbours instead of the spread neighbourhoods).
    const N = result.cloud.count;
    const assoc = associatePoints(
      data.subarray(0, count * 3),
      result.means.subarray(0, N * 3),
      3,
      result.rotations.subarray(0, N * 4),
    );
    const pred = predictPoints(assoc, result.means, result.frames, N, result.rotations);
    let movedPoints = 0;
    let error = 0;
    let motion = 0;
    for (let k = 0; k < count; k++) {
      const a = k * 3;
      const b = (15 * count + k) * 3;
      const d = Math.hypot(data[b] - data[a], data[b + 1] - data[a + 1], data[b + 2] - data[a + 2]);
      if (d < 0.005) continue;
      movedPoints++;
      motion += d;
      error += Math.hypot(pred[b] - data[b], pred[b + 1] - data[b + 1], pred[b + 2] - data[b + 2]);
    }
    t.diagnostic(
      `${movedPoints} points moved > 5 mm, by ${((1000 * motion) / movedPoints).toFixed(1)} mm on average; ` +
        `their last-frame error ${((1000 * error) / movedPoints).toFixed(2)} mm`,
    );
    assert.ok(movedPoints > 10, `${movedPoints} points moved`);
    assert.ok(
      error < 0.4 * motion,
      `moving points: error ${error / movedPoints} m for motion ${motion / movedPoints} m`,
    );
  } finally {
    rasterizer?.dispose?.();
  }
});

test('progress counts the rigid alignment iterations; bad alignIters and depthWeight are refused', async () => {
  const episodeDir = join(dir, 'small');
  await generateEpisode(episodeDir, { kind: 'rope', frames: 3, width: 80, height: 60, views: 4, seed: 3 });
  const seen: { done: number; total: number; iterations: number }[] = [];
  const result = await trackEpisode(episodeDir, {
    itersFirst: 20,
    iters: 5,
    alignIters: 3,
    onProgress: (p) => seen.push({ done: p.done, total: p.total, iterations: p.iterations }),
  });
  assert.equal(result.frames, 3);
  assert.equal(result.options.alignIters, 3);
  assert.equal(result.options.depthWeight, 50, "the gs-dynamics preset's depth weight");
  // 20 at frame 0, then 3 + 5 at each of the two later frames, reported in order.
  assert.equal(seen.length, 36);
  assert.deepEqual(
    seen.map((p) => p.done),
    Array.from({ length: 36 }, (_, i) => i + 1),
  );
  assert.ok(seen.every((p) => p.total === 36));
  assert.equal(seen[35].iterations, 8);
  // What a progress bar made beforehand expects: the same, with the preset's 30 alignment iterations by default.
  assert.equal(plannedTrackIterations(3, 'rope', { itersFirst: 20, iters: 5, alignIters: 3 }), 36);
  assert.equal(plannedTrackIterations(3, 'rope', { itersFirst: 20, iters: 5 }), 20 + 2 * 35);
  assert.equal(plannedTrackIterations(3, 'rope', { preset: 'dyn3dgs', itersFirst: 20, iters: 5 }), 30);
  assert.equal(plannedTrackIterations(1, 'rope'), 3000);
  await assert.rejects(
    trackEpisode(episodeDir, { alignIters: -1 }),
    /alignIters must be a whole number >= 0/,
  );
  await assert.rejects(trackEpisode(episodeDir, { depthWeight: -1 }), /depthWeight must be a number >= 0/);
});

test('re-tracking from a run’s own frame-0 fit reproduces it; dropping hidden Gaussians keeps the seen ones', async () => {
  const episodeDir = join(dir, 'refit');
  await generateEpisode(episodeDir, { kind: 'rope', frames: 3, width: 80, height: 60, views: 4, seed: 4 });
  const options = { itersFirst: 60, iters: 6, alignIters: 2 };
  const full = await trackEpisode(episodeDir, options);
  let reported = 0;
  const again = await trackEpisode(episodeDir, {
    ...options,
    firstFrame: full.firstFrame,
    onProgress: () => reported++,
  });
  assert.equal(reported, 2 * 8, 'no frame-0 iterations when the fit is given');
  assert.deepEqual(again.means, full.means);
  assert.deepEqual(again.rotations, full.rotations);
  assert.deepEqual(again.losses.slice(1), full.losses.slice(1));
  // Drop the less seen half: the Gaussians kept are those whose blending weights over the cameras reach the median.
  const fitted = full.firstFrame.cloud;
  const seen = new Float64Array(fitted.count);
  for (const camera of (await readEpisode(episodeDir)).cameras)
    blendWeights(fitted, camera, { pixelConvention: 'opencv' }).forEach((w, i) => {
      seen[i] += w;
    });
  const median = Float64Array.from(seen).sort()[fitted.count >> 1];
  const expected = [...seen.keys()].filter((i) => seen[i] >= median);
  const pruned = await trackEpisode(episodeDir, {
    ...options,
    firstFrame: full.firstFrame,
    minVisibleWeight: median,
  });
  assert.equal(pruned.cloud.count, expected.length);
  assert.ok(expected.length < fitted.count);
  for (const [i, g] of expected.entries())
    assert.deepEqual(pruned.means.subarray(3 * i, 3 * i + 3), fitted.means.subarray(3 * g, 3 * g + 3));
  await assert.rejects(
    trackEpisode(episodeDir, { ...options, firstFrame: full.firstFrame, minVisibleWeight: -1 }),
    /minVisibleWeight must be a number >= 0/,
  );
  await assert.rejects(
    trackEpisode(episodeDir, { ...options, firstFrame: full.firstFrame, velocityScale: 1.5 }),
    /velocityScale must be a number from 0 to 1/,
  );
  const badAffine = {
    ...full.firstFrame,
    colorAffine: { logGain: new Float32Array(3), offset: new Float32Array(12) },
  };
  await assert.rejects(
    trackEpisode(episodeDir, { ...options, firstFrame: badAffine }),
    /firstFrame\.colorAffine\.logGain has 3 values, expected 3 per camera \(12\)/,
  );
});
