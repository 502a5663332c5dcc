// The tracking benchmark of the issue: simulated episodes (4 views, 320x240, 60 frames), both presets, the metrics
// against ground truth and seconds per frame. Slow (minutes per run): `npm run bench:track`.
// GSDYN_BENCH_OBJECTS=rope,cloth,plush  GSDYN_BENCH_PRESETS=gs-dynamics,dyn3dgs  GSDYN_BENCH_FRAMES=60 narrow it down.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEpisode, type ObjectKind } from '@gsdyn/sim';
import { createWasmTileRasterizer } from '@gsdyn/splat';
import { evaluateTracks } from '../src/metrics/index.js';
import type { PresetName } from '../src/presets.js';
import { tracksFromResult, writeTracks } from '../src/track-dir.js';
import { trackEpisode } from '../src/tracker.js';

const objects = (process.env.GSDYN_BENCH_OBJECTS ?? 'rope,cloth,plush').split(',') as ObjectKind[];
const presets = (process.env.GSDYN_BENCH_PRESETS ?? 'gs-dynamics,dyn3dgs').split(',') as PresetName[];
const frames = Number(process.env.GSDYN_BENCH_FRAMES ?? 60);
const dir = await mkdtemp(join(tmpdir(), 'gsdyn-bench-track-'));
const rasterizer = createWasmTileRasterizer();
console.log(
  `tracking: simulated episodes, 4 views, 320x240, ${frames} frames, seed 1; ${availableParallelism()} cores`,
);
console.log(
  'object  preset        | 3D median mm  delta_avg  survival | 2D median mm  delta_avg | moving: points  median mm  delta_avg | gaussians  frame0 s  s/frame',
);
try {
  for (const object of objects) {
    const episode = join(dir, object);
    await generateEpisode(episode, { kind: object, frames, width: 320, height: 240, views: 4, seed: 1 });
    for (const preset of presets) {
      const result = await trackEpisode(episode, { preset, rasterizer });
      const out = join(dir, `${object}-${preset}`);
      await writeTracks(out, tracksFromResult(result));
      const e = await evaluateTracks(out, episode);
      const later = result.seconds.slice(1);
      const perFrame = later.reduce((a, b) => a + b, 0) / Math.max(1, later.length);
      const m2 = e.metrics2d;
      console.log(
        `${object.padEnd(7)} ${preset.padEnd(13)} | ${e.metrics3d.medianTrajectoryErrorMm.toFixed(2).padStart(12)} ${e.metrics3d.deltaAvg
          .toFixed(1)
          .padStart(
            10,
          )} ${e.metrics3d.survival.toFixed(0).padStart(9)} | ${(m2?.medianTrajectoryErrorMm ?? Number.NaN).toFixed(2).padStart(12)} ${(
          m2?.deltaAvg ?? Number.NaN
        )
          .toFixed(1)
          .padStart(10)} | ${String(e.moving?.points ?? 0).padStart(14)} ${(
          e.moving?.metrics3d.medianTrajectoryErrorMm ?? Number.NaN
        )
          .toFixed(2)
          .padStart(
            10,
          )} ${(e.moving?.metrics3d.deltaAvg ?? Number.NaN).toFixed(1).padStart(10)} | ${String(result.cloud.count).padStart(9)} ${result.seconds[0].toFixed(1).padStart(9)} ${perFrame.toFixed(2).padStart(8)}`,
      );
    }
  }
} finally {
  rasterizer.dispose?.();
  await rm(dir, { recursive: true, force: true });
}
