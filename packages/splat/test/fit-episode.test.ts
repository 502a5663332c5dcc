// Acceptance test: the tracker's first-frame fit on a simulated capture reproduces the object.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readEpisode } from '@gsdyn/formats';
import { cameraCentre } from '@gsdyn/geometry';
import { generateEpisode } from '@gsdyn/sim';
import { cloudFromPointCloud } from '../src/cloud.js';
import { initialPoints, loadFrameViews } from '../src/episode-frame.js';
import { evaluateCloud } from '../src/evaluate.js';
import { fitGaussians, sceneRadius } from '../src/fit.js';
import { createWasmTileRasterizer, wasmAvailable } from '../src/wasm/tile-rasterizer-wasm.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-fit-episode-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('fitting a simulated plush frame from its masked depth reaches PSNR > 28 dB inside the mask', async (t) => {
  const out = join(dir, 'plush');
  await generateEpisode(out, { kind: 'plush', frames: 1, width: 160, height: 120, views: 4, seed: 5 });
  const episode = await readEpisode(out);
  const views = await loadFrameViews(episode, 0);
  const init = await initialPoints(episode, views, { maxPoints: 5000, seed: 1 });
  assert.equal(init.source, 'masked depth');
  const rasterizer = wasmAvailable() ? createWasmTileRasterizer() : undefined;
  try {
    const fit = fitGaussians(
      cloudFromPointCloud(init.positions, init.colors),
      views.cameras.map((camera, c) => ({ camera, target: views.targets[c] })),
      {
        iterations: 1500,
        seed: 2,
        sceneRadius: sceneRadius(views.cameras.map((c) => cameraCentre(c))),
        pixelConvention: 'opencv',
        rasterizer,
      },
    );
    const evaluation = evaluateCloud(fit.cloud, views, { pixelConvention: 'opencv', rasterizer });
    t.diagnostic(
      `${init.positions.length / 3} -> ${fit.cloud.count} Gaussians; mask PSNR per camera ` +
        `${evaluation.cameras.map((s) => s.maskPsnr?.toFixed(2)).join(', ')} dB, mean ${evaluation.mean.maskPsnr?.toFixed(2)}`,
    );
    assert.ok((evaluation.mean.maskPsnr ?? 0) > 28, `mean mask PSNR ${evaluation.mean.maskPsnr}`);
  } finally {
    rasterizer?.dispose?.();
  }
});
