import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lookAt, mat4ToRows } from '@gsdyn/geometry';
import { readEpisode, validateEpisode } from '../src/episode/index.js';
import { writeColorImage, writeMaskImage } from '../src/image.js';
import { importDyn3dgs } from '../src/importers/dyn3dgs.js';
import { ndarray } from '../src/npy.js';
import { writeNpz } from '../src/npz.js';
import { colorImage, makeTempDir } from './fixtures/episode-fixture.js';

const W = 16;
const H = 12;
const T = 3;
const CAM_IDS = [3, 7];
const K = [
  [
    [20, 0, 7.5],
    [0, 21, 5.5],
    [0, 0, 1],
  ],
  [
    [18, 0, 8],
    [0, 18, 6],
    [0, 0, 1],
  ],
];
const W2C = [
  mat4ToRows(lookAt([2, 1, -3], [0, 0, 0], [0, -1, 0])),
  mat4ToRows(lookAt([-2, 0.5, -3], [0, 0, 0], [0, -1, 0])),
];

function trainMeta() {
  const perFrame = <V>(f: (c: number, t: number) => V) =>
    Array.from({ length: T }, (_, t) => CAM_IDS.map((_id, c) => f(c, t)));
  return {
    w: W,
    h: H,
    k: perFrame((c) => K[c]),
    w2c: perFrame((c) => W2C[c]),
    fn: perFrame((c, t) => `${CAM_IDS[c]}/${String(t).padStart(6, '0')}.jpg`),
    cam_id: perFrame((c) => CAM_IDS[c]),
  };
}

let root: string;
let src: string;
let cleanup: () => Promise<void>;
const N = 6;
const cloudData = new Float64Array(N * 7);

before(async () => {
  ({ dir: root, cleanup } = await makeTempDir('import-d3dgs'));
  src = join(root, 'basketball');
  for (const [c, id] of CAM_IDS.entries()) {
    await mkdir(join(src, 'ims', String(id)), { recursive: true });
    await mkdir(join(src, 'seg', String(id)), { recursive: true });
    for (let t = 0; t < T; t++) {
      const name = String(t).padStart(6, '0');
      await writeColorImage(join(src, 'ims', String(id), `${name}.jpg`), colorImage(c, t));
      const mask = new Uint8Array(W * H);
      for (let i = 0; i < mask.length; i++) mask[i] = (i + c + t) % 3 === 0 ? 1 : 0;
      await writeMaskImage(join(src, 'seg', String(id), `${name}.png`), { width: W, height: H, data: mask });
    }
  }
  await writeFile(join(src, 'train_meta.json'), JSON.stringify(trainMeta()));
  for (let i = 0; i < N; i++) cloudData.set([i * 0.1, -i * 0.2, 1 + i, i / 5, 0.5, 1 - i / 5, i % 2], 7 * i);
  await writeNpz(join(src, 'init_pt_cld.npz'), { data: ndarray('float64', [N, 7], cloudData) });
});
after(() => cleanup());

test('dyn3dgs: cameras, images, masks and the init cloud are imported as-is', async () => {
  const out = join(root, 'out');
  const report = await importDyn3dgs(src, out, { fps: 30 });
  assert.deepEqual(report.cameras, ['cam3', 'cam7']);
  assert.equal(report.frames, T);
  assert.deepEqual(await validateEpisode(out), []);
  const episode = await readEpisode(out);
  const m = episode.manifest;
  assert.equal(m.source?.worldFrame, 'as-is');
  assert.deepEqual(
    m.cameras.map((c) => c.K),
    K,
  );
  // JSON has no -0: compare with -0 folded into 0.
  const fold = (rows: number[][]) => rows.map((r) => r.map((v) => v + 0));
  assert.deepEqual(fold(m.cameras[1].worldToCamera), fold(W2C[1]));
  assert.deepEqual(
    await readFile(join(out, 'color/cam7/000002.jpg')),
    await readFile(join(src, 'ims/7/000002.jpg')),
  );
  const mask = await episode.readMask(1, 2);
  for (let i = 0; i < mask.data.length; i++) assert.equal(mask.data[i], (i + 1 + 2) % 3 === 0 ? 255 : 0);
  const cloud = await episode.readPointCloud();
  assert.ok(cloud);
  assert.equal(cloud.count, N);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(cloud.positions[3 * i + k] - cloudData[7 * i + k]) < 1e-6);
    assert.deepEqual(
      [...(cloud.colors?.subarray(3 * i, 3 * i + 3) ?? [])],
      [Math.round((i / 5) * 255), 128, Math.round((1 - i / 5) * 255)],
    );
  }
});

test('dyn3dgs: foregroundOnly keeps seg = 1 points; a missing mask folder means no masks', async () => {
  const dir = join(root, 'nomask');
  await cp(src, dir, { recursive: true });
  await rm(join(dir, 'seg'), { recursive: true });
  const report = await importDyn3dgs(dir, join(root, 'fg'), { foregroundOnly: true });
  assert.ok(report.warnings.some((w) => /no masks/.test(w)));
  assert.ok(report.warnings.some((w) => /assumed 30 fps/.test(w)));
  const episode = await readEpisode(join(root, 'fg'));
  assert.equal(episode.manifest.images.mask, undefined);
  const cloud = await episode.readPointCloud();
  assert.equal(cloud?.count, 3);
  assert.ok(Math.abs((cloud?.positions[0] ?? 0) - 0.1) < 1e-6);
});

test('dyn3dgs: a calibration that changes over time is refused with its frame and camera', async () => {
  const dir = join(root, 'moving');
  await cp(src, dir, { recursive: true });
  const meta = trainMeta();
  meta.w2c[2][1] = meta.w2c[2][1].map((row, r) => (r === 0 ? [row[0], row[1], row[2], row[3] + 1e-3] : row));
  await writeFile(join(dir, 'train_meta.json'), JSON.stringify(meta));
  await assert.rejects(importDyn3dgs(dir, join(root, 'moving-out')), (err: Error) => {
    assert.ok(err.message.includes(join(dir, 'train_meta.json')), err.message);
    assert.match(
      err.message,
      /w2c\[2\]\[1\]: differs from w2c\[0\]\[1\] by 1\.00e-3 \(camera cam7, frame 2\)/,
    );
    return true;
  });
  assert.deepEqual(
    (await readdir(root)).filter((n) => n.startsWith('.') || n === 'moving-out'),
    [],
  );
});

test('dyn3dgs: a frame missing for one camera is refused', async () => {
  const dir = join(root, 'missing');
  await cp(src, dir, { recursive: true });
  await rm(join(dir, 'ims/3/000001.jpg'));
  await assert.rejects(
    importDyn3dgs(dir, join(root, 'missing-out')),
    /ims\/3\/000001\.jpg: missing; frame 1 of camera cam3 \(fn\[1\]\[0\]\)/,
  );
});
