// End-to-end tracking on a tiny simulated episode: the millimetre bound CI holds the tracker to.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readEpisode } from '@gsdyn/formats';
import { generateEpisode } from '@gsdyn/sim';
import { createWasmTileRasterizer, wasmAvailable } from '@gsdyn/splat';
import { evaluateTracks } from '../src/metrics/index.js';
import { tracksFromResult, writeTracks } from '../src/track-dir.js';
import { trackEpisode } from '../src/tracker.js';

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
    assert.ok(e.metrics3d.medianTrajectoryErrorMm < 15, `3D MTE ${e.metrics3d.medianTrajectoryErrorMm} mm`);
    assert.equal(e.metrics3d.survival, 100);
    // The frame-0 association offset is in every frame; what tracking adds on top must stay small.
    assert.ok(
      perFrame[perFrame.length - 1] - perFrame[0] < 5,
      `drift ${perFrame[0]} -> ${perFrame[perFrame.length - 1]} mm`,
    );
  } finally {
    rasterizer?.dispose?.();
  }
});
