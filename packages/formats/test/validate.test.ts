import assert from 'node:assert/strict';
import { copyFile, cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  EPISODE_MANIFEST_FILE,
  type EpisodeManifest,
  type EpisodeProblem,
  formatProblem,
  validateEpisode,
} from '../src/episode/index.js';
import { writeColorImage, writeDepthPng, writeMaskImage } from '../src/image.js';
import { encodeNpy, ndarray } from '../src/npy.js';
import {
  colorImage,
  depthImage,
  makeTempDir,
  maskImage,
  writeFixtureEpisode,
} from './fixtures/episode-fixture.js';

let root: string;
let base: string;
let cleanup: () => Promise<void>;
let copies = 0;

before(async () => {
  ({ dir: root, cleanup } = await makeTempDir('validate'));
  base = join(root, 'base');
  await writeFixtureEpisode(base);
});
after(() => cleanup());

/** A fresh copy of the valid fixture episode to break. */
async function copy(): Promise<string> {
  const dir = join(root, `case-${copies++}`);
  await cp(base, dir, { recursive: true });
  return dir;
}

async function editManifest(dir: string, edit: (m: EpisodeManifest & Record<string, unknown>) => void) {
  const path = join(dir, EPISODE_MANIFEST_FILE);
  const m = JSON.parse(await readFile(path, 'utf8'));
  edit(m);
  await writeFile(path, JSON.stringify(m, null, 2));
}

/** `file | field` of every problem, to compare whole lists. */
function where(problems: EpisodeProblem[]): string[] {
  return problems.map((p) => `${p.file} | ${p.field ?? ''}`);
}

function show(problems: EpisodeProblem[]): string {
  return problems.map(formatProblem).join('\n');
}

test('the fixture episode validates clean and reports progress', async () => {
  const seen: [number, number][] = [];
  const problems = await validateEpisode(base, { onProgress: (d, t) => seen.push([d, t]) });
  assert.deepEqual(problems, [], show(problems));
  // 2 cameras x 3 frames x 3 kinds of image headers + 3 truth arrays + the point cloud.
  assert.deepEqual(seen.at(-1), [22, 22]);
});

test('missing directory and missing manifest are one problem each', async () => {
  assert.deepEqual(where(await validateEpisode(join(root, 'nope'))), ['. | ']);
  const dir = await copy();
  await rm(join(dir, EPISODE_MANIFEST_FILE));
  const problems = await validateEpisode(dir);
  assert.deepEqual(where(problems), ['episode.json | ']);
  assert.match(problems[0].message, /missing/);
});

test('invalid JSON is reported with line and column', async () => {
  const dir = await copy();
  await writeFile(join(dir, EPISODE_MANIFEST_FILE), '{\n  "format": "gsdyn.episode",\n  "version": }\n');
  const problems = await validateEpisode(dir);
  assert.deepEqual(where(problems), ['episode.json | ']);
  assert.match(problems[0].message, /invalid JSON at line 3, column 14/);
});

test('a wrong version names the version field, and the files are still checked', async () => {
  const dir = await copy();
  await editManifest(dir, (m) => {
    (m as Record<string, unknown>).version = 2;
  });
  await rm(join(dir, 'color/cam0/000001.png'));
  const problems = await validateEpisode(dir);
  assert.deepEqual(
    where(problems),
    ['episode.json | version', 'color/cam0/000001.png | images.color'],
    show(problems),
  );
  assert.match(problems[0].message, /unsupported version 2: this reader understands version 1/);
});

test('a non-rigid worldToCamera says why', async () => {
  const dir = await copy();
  await editManifest(dir, (m) => {
    m.cameras[1].worldToCamera[0] = m.cameras[1].worldToCamera[0].map(
      (v) => v * 1.1,
    ) as (typeof m.cameras)[1]['worldToCamera'][0];
  });
  const problems = await validateEpisode(dir);
  assert.deepEqual(where(problems), ['episode.json | cameras[1].worldToCamera'], show(problems));
  assert.match(problems[0].message, /expected a rigid transform: rotation part is not orthonormal/);
});

test('a negative focal length is named by its K entry', async () => {
  const dir = await copy();
  await editManifest(dir, (m) => {
    m.cameras[1].K[0][0] = -5;
  });
  const problems = await validateEpisode(dir);
  assert.deepEqual(where(problems), ['episode.json | cameras[1].K[0][0]'], show(problems));
  assert.equal(problems[0].message, 'expected a positive number');
});

test('a missing colour file is named', async () => {
  const dir = await copy();
  await rm(join(dir, 'color/cam1/000002.png'));
  const problems = await validateEpisode(dir);
  assert.deepEqual(where(problems), ['color/cam1/000002.png | images.color'], show(problems));
  assert.match(problems[0].message, /missing colour image of camera cam1/);
});

test('a whole missing camera folder is one problem, not one per frame', async () => {
  const dir = await copy();
  await rm(join(dir, 'mask/cam1'), { recursive: true });
  const problems = await validateEpisode(dir);
  assert.deepEqual(where(problems), ['mask/cam1/ | images.mask'], show(problems));
  assert.match(problems[0].message, /camera cam1 has no mask images: folder mask\/cam1\/ is missing/);
});

test('a colour image of the wrong size is named with both sizes', async () => {
  const dir = await copy();
  await writeColorImage(join(dir, 'color/cam0/000001.png'), colorImage(0, 1, 20, 12));
  const problems = await validateEpisode(dir);
  assert.deepEqual(where(problems), ['color/cam0/000001.png | images.color'], show(problems));
  assert.match(problems[0].message, /image is 20x12, expected 16x12 \(the size of camera cam0\)/);
});

test('an 8-bit depth image is refused', async () => {
  const dir = await copy();
  await writeMaskImage(join(dir, 'depth/cam0/000000.png'), maskImage(0, 0));
  const problems = await validateEpisode(dir);
  assert.deepEqual(where(problems), ['depth/cam0/000000.png | images.depth'], show(problems));
  assert.match(problems[0].message, /16-bit single-channel PNG .* got 8-bit 1-channel PNG/);
});

test('a mask of the wrong size and a 16-bit mask are both reported', async () => {
  const dir = await copy();
  await writeMaskImage(join(dir, 'mask/cam1/000000.png'), maskImage(1, 0, 8, 6));
  await writeDepthPng(join(dir, 'mask/cam1/000002.png'), depthImage(1, 2));
  const problems = await validateEpisode(dir);
  assert.deepEqual(
    where(problems),
    ['mask/cam1/000000.png | images.mask', 'mask/cam1/000002.png | images.mask'],
    show(problems),
  );
  assert.match(problems[0].message, /image is 8x6, expected 16x12/);
  assert.match(problems[1].message, /8-bit single-channel PNG/);
});

test('end-effector positions must be one per frame', async () => {
  const dir = await copy();
  await editManifest(dir, (m) => {
    m.endEffector?.positions.pop();
  });
  const problems = await validateEpisode(dir);
  assert.deepEqual(where(problems), ['episode.json | endEffector.positions'], show(problems));
  assert.match(problems[0].message, /2 positions for frameCount 3/);
});

test('truth arrays: frame count, visibility cameras and dtype are checked', async () => {
  const dir = await copy();
  await writeFile(
    join(dir, 'truth/surface_points.npy'),
    encodeNpy(ndarray('float32', [2, 5, 3], new Float32Array(30))),
  );
  await writeFile(
    join(dir, 'truth/surface_visibility.npy'),
    encodeNpy(ndarray('uint8', [3, 3, 5], new Uint8Array(45))),
  );
  await writeFile(
    join(dir, 'truth/particles.npy'),
    encodeNpy(ndarray('float64', [3, 4, 3], new Float64Array(36))),
  );
  const problems = await validateEpisode(dir);
  assert.deepEqual(
    where(problems),
    [
      'truth/surface_points.npy | truth.surfacePoints',
      'truth/surface_visibility.npy | truth.surfaceVisibility',
      'truth/particles.npy | truth.particles',
    ],
    show(problems),
  );
  assert.match(problems[0].message, /expected 3 frames \(frameCount\) on axis 0 .* got shape \(2, 5, 3\)/);
  assert.match(problems[1].message, /expected 2 cameras .* got shape \(3, 3, 5\)/);
  assert.match(problems[2].message, /expected dtype float32, got float64/);
});

test('duplicate camera ids are reported on the second camera', async () => {
  const dir = await copy();
  await editManifest(dir, (m) => {
    m.cameras[1].id = 'cam0';
  });
  const problems = await validateEpisode(dir);
  assert.deepEqual(where(problems), ['episode.json | cameras[1].id'], show(problems));
  assert.match(problems[0].message, /duplicate camera id "cam0" \(also cameras\[0\]\.id\)/);
});

test('image files beyond frameCount are reported', async () => {
  const dir = await copy();
  await copyFile(join(dir, 'color/cam0/000002.png'), join(dir, 'color/cam0/000003.png'));
  await copyFile(join(dir, 'color/cam0/000002.png'), join(dir, 'color/cam0/000004.png'));
  const problems = await validateEpisode(dir);
  assert.deepEqual(where(problems), ['color/cam0/000003.png | frameCount'], show(problems));
  assert.match(problems[0].message, /2 colour image\(s\) of camera cam0 beyond frameCount 3 \(frames 3..4\)/);
});

test('an unreadable point cloud is named', async () => {
  const dir = await copy();
  await writeFile(join(dir, 'points.ply'), 'this is not a ply file\n');
  const problems = await validateEpisode(dir);
  assert.deepEqual(where(problems), ['points.ply | pointCloud'], show(problems));
  assert.match(problems[0].message, /unreadable point cloud/);
});

test('every problem is reported at once, and long lists are capped', async () => {
  const dir = await copy();
  await editManifest(dir, (m) => {
    m.frameCount = 20;
    m.fps = 0;
  });
  await rm(join(dir, 'points.ply'));
  const problems = await validateEpisode(dir);
  const list = where(problems);
  assert.ok(list.includes('episode.json | fps'), show(problems));
  assert.ok(list.includes('episode.json | endEffector.positions'), show(problems));
  assert.ok(list.includes('points.ply | pointCloud'), show(problems));
  assert.ok(list.includes('truth/surface_points.npy | truth.surfacePoints'), show(problems));
  // Frames 3..19 are missing for 2 cameras x 3 kinds: 10 listed + one "... and 7 more" each.
  const colour0 = problems.filter((p) => p.field === 'images.color' && p.file.startsWith('color/cam0/'));
  assert.equal(colour0.length, 11);
  assert.equal(colour0[0].file, 'color/cam0/000003.png');
  assert.equal(colour0[10].message, '... and 7 more missing colour images of camera cam0');
  assert.equal(problems.filter((p) => p.field?.startsWith('images.')).length, 66);
});
