import assert from 'node:assert/strict';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cameraCentre, project, type Vec3 } from '@gsdyn/geometry';
import { readEpisode, validateEpisode } from '../src/episode/index.js';
import { writeMaskImage } from '../src/image.js';
import { importGsDynamics } from '../src/importers/gs-dynamics.js';
import { makeTempDir } from './fixtures/episode-fixture.js';
import {
  BOARD_EYES,
  boardCamera,
  GSD_HEIGHT,
  GSD_WIDTH,
  poseLine,
  writeGsDynamicsEpisode,
} from './fixtures/gs-dynamics-fixture.js';

const W = GSD_WIDTH;
const H = GSD_HEIGHT;

let root: string;
let src: string;
let cleanup: () => Promise<void>;

before(async () => {
  ({ dir: root, cleanup } = await makeTempDir('import-gsd'));
  src = join(root, 'episode_00');
  await writeGsDynamicsEpisode(src);
});
after(() => cleanup());

test('gs-dynamics: cameras, images, masks and end effector convert to our z-up frame', async () => {
  const out = join(root, 'out');
  const progress: number[] = [];
  const report = await importGsDynamics(src, out, { name: 'rope-test', object: { kind: 'rope' } }, (d) =>
    progress.push(d),
  );
  assert.equal(report.frames, 3);
  assert.deepEqual(report.cameras, ['camera_0', 'camera_1']);
  assert.equal(progress.at(-1), 2 * 3 * 3);
  assert.ok(
    report.warnings.some((w) => /different frame counts/.test(w)),
    report.warnings.join('\n'),
  );
  assert.ok(report.warnings.some((w) => /dropped the first 1 lines \(the reference truncates/.test(w)));
  assert.deepEqual(await validateEpisode(out), []);

  const episode = await readEpisode(out);
  assert.equal(episode.manifest.name, 'rope-test');
  assert.equal(episode.manifest.fps, 15);
  assert.deepEqual(episode.manifest.workspace, { min: [0, -0.45, -0.05], max: [0.6, 0.35, 0.1] });
  for (let c = 0; c < 2; c++) {
    const board = boardCamera(c);
    const ours = episode.cameras[c];
    // Camera centres: board (x, y, z) -> ours (x, -y, -z), so the cameras are above the table (z > 0).
    const centre = cameraCentre(ours);
    assert.ok(Math.abs(centre[0] - BOARD_EYES[c][0]) < 1e-12);
    assert.ok(Math.abs(centre[1] + BOARD_EYES[c][1]) < 1e-12);
    assert.ok(Math.abs(centre[2] + BOARD_EYES[c][2]) < 1e-12 && centre[2] > 0);
    // A known point 2 cm above the table in our frame is the board point (x, -y, -z): same pixel.
    for (const p of [
      [0.25, -0.05, 0.02],
      [0.35, 0.1, 0.0],
    ] as Vec3[]) {
      const a = project(ours, p);
      const b = project(board, [p[0], -p[1], -p[2]]);
      assert.ok(Math.abs(a.u - b.u) < 1e-9 && Math.abs(a.v - b.v) < 1e-9 && Math.abs(a.z - b.z) < 1e-12);
      assert.ok(a.z > 0);
    }
  }

  // Colour JPEGs and depth PNGs are copied byte for byte.
  assert.deepEqual(
    await readFile(join(out, 'color/camera_1/000002.jpg')),
    await readFile(join(src, 'camera_1/000002.jpg')),
  );
  assert.deepEqual(
    await readFile(join(out, 'depth/camera_0/000001.png')),
    await readFile(join(src, 'camera_0/000001_depth.png')),
  );
  // Both mask sources become 0/255.
  for (let c = 0; c < 2; c++) {
    const mask = await episode.readMask(c, 1);
    for (let i = 0; i < mask.data.length; i++) assert.equal(mask.data[i], (i + 1) % 4 === 0 ? 255 : 0);
  }
  assert.deepEqual(await readdir(join(out, 'color/camera_1')), ['000000.jpg', '000001.jpg', '000002.jpg']);

  // End effector, by hand. Defaults: d = 0.17, R_base2world = diag(1, -1, -1), t = (-0.095, 0.085, -0.01).
  // Frame 0, roll 180: flange z points down, base point (0.3, 0.1, 0.25 - 0.17) = (0.3, 0.1, 0.08);
  //   board = (0.3 - 0.095, -0.1 + 0.085, -0.08 - 0.01) = (0.205, -0.015, -0.09); ours = (0.205, 0.015, 0.09).
  // Frame 1, roll 90 pitch 90: Rz(0) Ry(90) Rx(90) [0, 0, d] = Ry(90) [0, -d, 0] = [0, -d, 0];
  //   base (0.3, -0.07, 0.25); board (0.205, 0.155, -0.26); ours (0.205, -0.155, 0.26).
  // Frame 2, roll 180 yaw 90: [0, 0, -d] again; base (0.4, -0.05, 0.13); board (0.305, 0.135, -0.14).
  const expected = [
    [0.205, 0.015, 0.09],
    [0.205, -0.155, 0.26],
    [0.305, -0.135, 0.14],
  ];
  const eef = episode.manifest.endEffector;
  assert.ok(eef);
  assert.equal(eef.positions.length, 3);
  eef.positions.forEach((p, t) => {
    for (let k = 0; k < 3; k++)
      assert.ok(Math.abs(p[k] - expected[t][k]) < 1e-9, `frame ${t}: ${p} vs ${expected[t]}`);
  });
  assert.equal(episode.manifest.source?.importer, 'gs-dynamics');
});

test('gs-dynamics: short actions.txt is padded at the front with its first line', async () => {
  const dir = join(root, 'short-actions');
  await cp(src, dir, { recursive: true });
  await writeFile(
    join(dir, 'actions.txt'),
    `${[
      [300, 100, 250, 180, 0, 0],
      [400, -50, 300, 180, 0, 90],
    ]
      .map(poseLine)
      .join('\n')}\n`,
  );
  const report = await importGsDynamics(dir, join(root, 'short-out'));
  assert.ok(report.warnings.some((w) => /padded the front with 1 copies of the first line/.test(w)));
  const positions = report.manifest.endEffector?.positions ?? [];
  assert.deepEqual(positions[0], positions[1]);
  assert.ok(Math.abs(positions[2][0] - 0.305) < 1e-9);
});

test('gs-dynamics: a missing camera_params.npy is named and nothing is written', async () => {
  const dir = join(root, 'broken');
  await cp(src, dir, { recursive: true });
  await rm(join(dir, 'camera_1/camera_params.npy'));
  const out = join(root, 'broken-out');
  await assert.rejects(importGsDynamics(dir, out), (err: Error) => {
    assert.ok(err.message.includes(join(dir, 'camera_1/camera_params.npy')), err.message);
    assert.match(err.message, /missing; expected \(4,\) float \[fx, fy, cx, cy\]/);
    return true;
  });
  assert.deepEqual(
    (await readdir(root)).filter((n) => n.startsWith('.') || n === 'broken-out'),
    [],
  );
});

test('gs-dynamics: too many extra action lines and 8-bit depth are refused', async () => {
  const dir = join(root, 'broken2');
  await cp(src, dir, { recursive: true });
  await writeFile(
    join(dir, 'actions.txt'),
    `${Array.from({ length: 14 }, () => poseLine([1, 2, 3, 0, 0, 0])).join('\n')}\n`,
  );
  await assert.rejects(
    importGsDynamics(dir, join(root, 'b2')),
    /actions\.txt: 14 lines for 3 frames \(11 extra/,
  );
  await writeFile(join(dir, 'actions.txt'), poseLine([1, 2, 3, 0, 0]));
  await assert.rejects(
    importGsDynamics(dir, join(root, 'b2')),
    /actions\.txt line 1: pose: expected \[x, y, z/,
  );
  await writeFile(join(dir, 'actions.txt'), poseLine([1, 2, 3, 0, 0, 0]));
  await writeMaskImage(join(dir, 'camera_0/000002_depth.png'), {
    width: W,
    height: H,
    data: new Uint8Array(W * H),
  });
  await assert.rejects(
    importGsDynamics(dir, join(root, 'b2')),
    /camera_0\/000002_depth\.png: 8-bit 1-channel png; expected a 16-bit/,
  );
});
