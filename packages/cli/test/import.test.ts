import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ndarray,
  readEpisode,
  writeColorImage,
  writeMaskImage,
  writeNpy,
  writePointCloud,
} from '@gsdyn/formats';
import { runCli } from './cli-helpers.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-cli-import-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A two-camera gs-dynamics demo folder: cameras 0.4 m above the board looking down its z axis (z down). */
async function writeDemoFixture(src: string): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(src, { recursive: true });
  const W = 32;
  const H = 24;
  for (let c = 0; c < 2; c++) {
    await writeColorImage(join(src, `img_${c}.png`), {
      width: W,
      height: H,
      data: new Uint8Array(W * H * 3).fill(100 + c),
    });
    await writeMaskImage(join(src, `mask_${c}.png`), {
      width: W,
      height: H,
      data: new Uint8Array(W * H).fill(255),
    });
  }
  // Camera-to-world rotations: camera z (forward) along board +z (down into the table), i.e. the identity.
  await writeNpy(
    join(src, 'R_list.npy'),
    ndarray('float64', [2, 3, 3], Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1])),
  );
  await writeNpy(
    join(src, 't_list.npy'),
    ndarray('float64', [2, 3], Float64Array.from([0.1, 0.2, -0.4, 0.3, 0.2, -0.4])),
  );
  const K = [20, 0, 15.5, 0, 20, 11.5, 0, 0, 1];
  await writeNpy(join(src, 'intr_list.npy'), ndarray('float64', [2, 3, 3], Float64Array.from([...K, ...K])));
  // One object point 2 cm above the board (board z = -0.02).
  await writePointCloud(
    join(src, 'pcd.ply'),
    { count: 1, positions: Float32Array.from([0.2, 0.2, -0.02]), colors: Uint8Array.from([200, 10, 10]) },
    { double: true },
  );
}

test('import gs-dynamics-demo converts the board frame and reports in JSON', async () => {
  const src = join(dir, 'demo-src');
  const out = join(dir, 'demo-out');
  await writeDemoFixture(src);
  const r = runCli(['import', 'gs-dynamics-demo', src, '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.frames, 1);
  assert.deepEqual(report.cameras, ['cam0', 'cam1']);
  const episode = await readEpisode(out);
  const cloud = await episode.readPointCloud();
  // Board (x, y, z) -> ours (x, -y, -z): the point 2 cm above the board is at z = +0.02.
  assert.ok(cloud && Math.abs(cloud.positions[2] - 0.02) < 1e-6 && Math.abs(cloud.positions[1] + 0.2) < 1e-6);
  // Camera 0 stood 0.4 m above the board over (0.1, 0.2): in our frame at (0.1, -0.2, 0.4).
  const w2c = episode.cameras[0].worldToCamera;
  const centre = [0, 1, 2].map((r) => -(w2c[r] * w2c[3] + w2c[4 + r] * w2c[7] + w2c[8 + r] * w2c[11]));
  assert.ok(
    Math.abs(centre[0] - 0.1) < 1e-9 && Math.abs(centre[1] + 0.2) < 1e-9 && Math.abs(centre[2] - 0.4) < 1e-9,
    `${centre}`,
  );

  const again = runCli(['import', 'gs-dynamics-demo', src, '--out', out]);
  assert.equal(again.code, 1, 'an existing output is not replaced without --overwrite');
  assert.match(again.stderr, /exists|overwrite/);
  assert.equal(runCli(['import', 'gs-dynamics-demo', src, '--out', out, '--overwrite']).code, 0);
});

test('import options are checked before anything runs', () => {
  const r = runCli([
    'import',
    'gs-dynamics',
    dir,
    '--out',
    join(dir, 'x'),
    '--base-rotation',
    '1,0,0,0,1,0,0,0',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /9 comma-separated numbers/);
  const missing = runCli(['import', 'gs-dynamics', join(dir, 'nope'), '--out', join(dir, 'y')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope/);
});
