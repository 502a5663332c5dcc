import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { readGaussianCloud } from '@gsdyn/splat';
import { cloudAtFrame, writeFramePlys } from '../src/export/frame-ply.js';
import { movingTracks, SHIFT, TURN, testCloud } from './export-fixtures.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-frame-ply-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("cloudAtFrame takes that frame's means and rotations and keeps the static parameters", () => {
  const cloud = testCloud(9, 1, 1);
  const tracks = movingTracks(cloud, 4);
  const at2 = cloudAtFrame(tracks.cloud, tracks.means, tracks.rotations, 2);
  for (let i = 0; i < 9; i++) {
    for (let k = 0; k < 3; k++)
      assert.equal(
        at2.means[3 * i + k],
        Math.fround(cloud.means[3 * i + k] + 2 * SHIFT[k]),
        `mean ${i}.${k}`,
      );
    assert.deepEqual(
      Array.from(at2.quaternions.slice(4 * i, 4 * i + 4)),
      [Math.cos(TURN), 0, 0, Math.sin(TURN)].map(Math.fround),
    );
  }
  for (const key of ['logScales', 'logitOpacities', 'colors', 'extras'] as const)
    assert.deepEqual(at2[key], cloud[key]);
  assert.equal(at2.count, 9);
  assert.equal(at2.extraChannels, 1);
  // Copies: writing to a frame's cloud leaves the tracks alone.
  at2.means[0] = 42;
  assert.notEqual(tracks.means[2 * 27], 42);
  assert.throws(
    () => cloudAtFrame(tracks.cloud, tracks.means, tracks.rotations, 4),
    /frame 4 is out of range \(the tracks have frames 0..3\)/,
  );
  assert.throws(
    () => cloudAtFrame(tracks.cloud, tracks.means.subarray(1), tracks.rotations, 0),
    /whole frames of 9 Gaussians/,
  );
});

test('writeFramePlys writes one 3DGS PLY per frame that reads back equal to cloudAtFrame', async () => {
  const tracks = movingTracks(testCloud(12, 2, 2), 3);
  const out = join(dir, 'all');
  const paths = await writeFramePlys(out, tracks);
  assert.deepEqual(
    paths.map((p) => basename(p)),
    ['000000.ply', '000001.ply', '000002.ply'],
  );
  assert.deepEqual((await readdir(out)).sort(), ['000000.ply', '000001.ply', '000002.ply']);
  for (let t = 0; t < 3; t++) {
    const { colors, ...back } = await readGaussianCloud(paths[t]);
    const { colors: expectedColors, ...expected } = cloudAtFrame(
      tracks.cloud,
      tracks.means,
      tracks.rotations,
      t,
    );
    assert.deepEqual(back, expected);
    // PLY stores colours as SH f_dc: exact in about [0.25, 1.6], within 1e-7 elsewhere (formats/gaussian-ply.ts).
    for (let k = 0; k < colors.length; k++)
      assert.ok(Math.abs(colors[k] - expectedColors[k]) < 1e-6, `colour ${k}`);
  }
});

test('writeFramePlys writes only the frames asked for, and rejects a frame the tracks lack', async () => {
  const tracks = movingTracks(testCloud(6, 3), 5);
  const out = join(dir, 'some');
  const paths = await writeFramePlys(out, tracks, [4, 1]);
  assert.deepEqual(
    paths.map((p) => basename(p)),
    ['000004.ply', '000001.ply'],
  );
  assert.deepEqual((await readGaussianCloud(paths[0])).means, tracks.means.slice(4 * 18, 5 * 18));
  await assert.rejects(writeFramePlys(join(dir, 'none'), tracks, [5]), /frame 5 is out of range/);
  await assert.rejects(readdir(join(dir, 'none')), { code: 'ENOENT' });
});
