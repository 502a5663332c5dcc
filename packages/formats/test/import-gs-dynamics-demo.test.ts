import assert from 'node:assert/strict';
import { cp, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { invertRigid, lookAt, type PinholeCamera, project, Random, type Vec3 } from '@gsdyn/geometry';
import { readEpisode, validateEpisode } from '../src/episode/index.js';
import { writeColorImage, writeMaskImage } from '../src/image.js';
import { importGsDynamicsDemo } from '../src/importers/gs-dynamics-demo.js';
import { ndarray, writeNpy } from '../src/npy.js';
import { writePointCloud } from '../src/ply.js';
import { colorImage, makeTempDir } from './fixtures/episode-fixture.js';

const W = 64;
const H = 48;
const BOARD_EYES: Vec3[] = [
  [0.5, -0.3, -0.45],
  [-0.1, 0.4, -0.4],
  [0.2, 0.05, -0.6],
];

function boardCamera(c: number): PinholeCamera {
  return {
    width: W,
    height: H,
    fx: 60 + c,
    fy: 61 + c,
    cx: 31.5 + c,
    cy: 23.5,
    worldToCamera: lookAt(BOARD_EYES[c], [0.25, 0.05, -0.02], [0, 0, -1]),
  };
}

let root: string;
let src: string;
let cleanup: () => Promise<void>;
let boardPoints: Float32Array;
let boardColors: Uint8Array;

/** 3 board-frame cameras, a rope-like cloud lying on the table (board z in [-0.035, 0]), masks drawn from it. */
before(async () => {
  ({ dir: root, cleanup } = await makeTempDir('import-demo'));
  src = join(root, 'demo');
  const rng = new Random(7);
  const n = 200;
  boardPoints = new Float32Array(3 * n);
  const colors = new Uint8Array(3 * n);
  boardColors = colors;
  for (let i = 0; i < n; i++) {
    const s = i / n;
    boardPoints.set([0.1 + 0.3 * s, 0.05 * Math.sin(6 * s), -rng.uniform(0, 0.035)], 3 * i);
    colors.set([rng.int(256), 100, 50], 3 * i);
  }
  const cameras = [0, 1, 2].map(boardCamera);
  const R = new Float64Array(27);
  const t = new Float64Array(9);
  const K = new Float64Array(27);
  cameras.forEach((cam, c) => {
    const c2w = invertRigid(cam.worldToCamera);
    R.set([c2w[0], c2w[1], c2w[2], c2w[4], c2w[5], c2w[6], c2w[8], c2w[9], c2w[10]], 9 * c);
    t.set([c2w[3], c2w[7], c2w[11]], 3 * c);
    K.set([cam.fx, 0, cam.cx, 0, cam.fy, cam.cy, 0, 0, 1], 9 * c);
  });
  await mkdir(src);
  await writeNpy(join(src, 'R_list.npy'), ndarray('float64', [3, 3, 3], R));
  await writeNpy(join(src, 't_list.npy'), ndarray('float64', [3, 3], t));
  await writeNpy(join(src, 'intr_list.npy'), ndarray('float64', [3, 3, 3], K));
  await writePointCloud(join(src, 'pcd.ply'), { count: n, positions: boardPoints, colors }, { double: true });
  for (let c = 0; c < 3; c++) {
    await writeColorImage(join(src, `img_${c}.png`), colorImage(c, 0, W, H));
    const mask = new Uint8Array(W * H);
    for (let i = 0; i < n; i++) {
      const p = project(cameras[c], [boardPoints[3 * i], boardPoints[3 * i + 1], boardPoints[3 * i + 2]]);
      const u = Math.round(p.u);
      const v = Math.round(p.v);
      if (u >= 0 && u < W && v >= 0 && v < H) mask[v * W + u] = 255;
    }
    await writeMaskImage(join(src, `mask_${c}.png`), { width: W, height: H, data: mask });
  }
});
after(() => cleanup());

test('gs-dynamics demo: the imported cloud projects onto the drawn mask pixels in every camera', async () => {
  const out = join(root, 'out');
  const report = await importGsDynamicsDemo(src, out);
  assert.deepEqual(report.cameras, ['cam0', 'cam1', 'cam2']);
  assert.equal(report.frames, 1);
  assert.deepEqual(await validateEpisode(out), []);
  const episode = await readEpisode(out);
  assert.equal(episode.manifest.images.depth, undefined);
  const cloud = await episode.readPointCloud();
  assert.ok(cloud);
  assert.equal(cloud.count, 200);
  let inside = 0;
  let total = 0;
  for (let c = 0; c < 3; c++) {
    const mask = await episode.readMask(c, 0);
    for (let i = 0; i < cloud.count; i++) {
      const p: Vec3 = [cloud.positions[3 * i], cloud.positions[3 * i + 1], cloud.positions[3 * i + 2]];
      // Our frame is z up: the object lies on or above the table.
      assert.ok(p[2] >= 0 && p[2] <= 0.035 + 1e-6, `z = ${p[2]}`);
      assert.ok(Math.abs(p[1] + boardPoints[3 * i + 1]) < 1e-6);
      const q = project(episode.cameras[c], p);
      const u = Math.round(q.u);
      const v = Math.round(q.v);
      if (u < 0 || u >= W || v < 0 || v >= H) continue;
      total++;
      if (mask.data[v * W + u] === 255) inside++;
    }
  }
  assert.ok(total > 400, `only ${total} projections in view`);
  assert.equal(inside, total);
  assert.deepEqual(cloud.colors, boardColors);
});

test('gs-dynamics demo: a wrongly shaped R_list is named', async () => {
  const dir = join(root, 'broken');
  await cp(src, dir, { recursive: true });
  await writeNpy(join(dir, 'R_list.npy'), ndarray('float64', [3, 9], new Float64Array(27)));
  await assert.rejects(importGsDynamicsDemo(dir, join(root, 'broken-out')), (err: Error) => {
    assert.ok(err.message.includes(join(dir, 'R_list.npy')), err.message);
    assert.match(
      err.message,
      /float64 array of shape \(3, 9\), expected \(C, 3, 3\) camera-to-world rotations/,
    );
    return true;
  });
  await writeNpy(join(dir, 'R_list.npy'), ndarray('float64', [3, 3, 3], new Float64Array(27).fill(0.5)));
  await assert.rejects(importGsDynamicsDemo(dir, join(root, 'broken-out')), /R_list\[0\] is not a rotation/);
  assert.deepEqual(
    (await readdir(root)).filter((n) => n.startsWith('.') || n === 'broken-out'),
    [],
  );
});
