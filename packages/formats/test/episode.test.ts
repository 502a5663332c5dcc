import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { project } from '@gsdyn/geometry';
import {
  cameraFromManifest,
  createEpisodeWriter,
  DEFAULT_IMAGE_PATHS,
  EPISODE_FORMAT_VERSION,
  EPISODE_MANIFEST_FILE,
  EpisodeCommitError,
  EpisodeManifestSchema,
  manifestCamera,
  readEpisode,
  resolveImagePath,
} from '../src/episode/index.js';
import {
  colorImage,
  depthImage,
  FIXTURE,
  fixtureCameras,
  fixtureEndEffector,
  fixturePointCloud,
  fixtureTruth,
  makeTempDir,
  maskImage,
  writeFixtureEpisode,
} from './fixtures/episode-fixture.js';

let root: string;
let cleanup: () => Promise<void>;
before(async () => {
  ({ dir: root, cleanup } = await makeTempDir('episode'));
});
after(() => cleanup());

function validManifest() {
  return {
    format: 'gsdyn.episode',
    version: 1,
    fps: 15,
    frameCount: 3,
    cameras: fixtureCameras().map(manifestCamera),
    images: { ...DEFAULT_IMAGE_PATHS } as { color: string; depth?: string; mask?: string },
  };
}

test('the schema accepts a minimal manifest and names each failing field', () => {
  assert.equal(EPISODE_FORMAT_VERSION, 1);
  assert.ok(EpisodeManifestSchema.safeParse(validManifest()).success);

  const bad = validManifest() as Record<string, unknown> & ReturnType<typeof validManifest>;
  bad.cameras[1].K[0][0] = -3;
  (bad.cameras[0].K[2] as number[])[2] = 2;
  bad.images = {
    color: 'color/{camera}.png',
    depth: '../depth/{camera}/{frame}.png',
    mask: 'mask/{camera}/{frame}.jpg',
  };
  bad.frameCount = 2.5;
  bad.extra = true;
  const result = EpisodeManifestSchema.safeParse(bad);
  assert.equal(result.success, false);
  const issues = (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.ok(issues.includes('cameras.1.K.0.0: expected a positive number'), issues.join('\n'));
  assert.ok(issues.includes('cameras.0.K.2.2: expected 1'), issues.join('\n'));
  assert.ok(issues.includes('images.color: expected the template to contain {frame}'), issues.join('\n'));
  assert.ok(issues.some((i) => i.startsWith('images.depth: expected a path inside the episode directory')));
  assert.ok(issues.some((i) => i.startsWith('images.mask: expected a file name ending in .png')));
  assert.ok(issues.includes('frameCount: expected a positive integer'));
  assert.ok(issues.some((i) => i.includes('extra')));
});

test('the schema rejects camera ids that could escape their folder and duplicate ids', () => {
  const m = validManifest();
  m.cameras[0].id = '..';
  assert.equal(EpisodeManifestSchema.safeParse(m).success, false);
  const dup = validManifest();
  dup.cameras[1].id = 'cam0';
  const r = EpisodeManifestSchema.safeParse(dup);
  assert.equal(r.success, false);
  assert.deepEqual(r.error?.issues[0].path, ['cameras', 1, 'id']);
});

test('resolveImagePath fills camera id and 6-digit frame; cameraFromManifest builds a PinholeCamera', () => {
  const m = EpisodeManifestSchema.parse(validManifest());
  assert.equal(resolveImagePath(m, 'color', 'cam1', 7), 'color/cam1/000007.png');
  assert.equal(resolveImagePath(m, 'depth', 'cam0', 123456), 'depth/cam0/123456.png');
  const cam = cameraFromManifest(m, 1);
  const ref = fixtureCameras()[1];
  assert.equal(cam.id, 'cam1');
  assert.deepEqual(
    [cam.fx, cam.fy, cam.cx, cam.cy, cam.width, cam.height],
    [ref.fx, ref.fy, ref.cx, ref.cy, 16, 12],
  );
  const p = project(cam, [0.05, -0.02, 0.03]);
  const q = project(ref, [0.05, -0.02, 0.03]);
  assert.ok(Math.abs(p.u - q.u) < 1e-12 && Math.abs(p.v - q.v) < 1e-12);
  assert.throws(() => cameraFromManifest(m, 2), /camera index 2/);
});

test('a committed episode reads back exactly what was written', async () => {
  const dir = join(root, 'roundtrip');
  const manifest = await writeFixtureEpisode(dir);
  assert.deepEqual(manifest.images, DEFAULT_IMAGE_PATHS);
  assert.equal(manifest.pointCloud, 'points.ply');
  assert.deepEqual(manifest.truth, {
    surfacePoints: 'truth/surface_points.npy',
    surfaceVisibility: 'truth/surface_visibility.npy',
    particles: 'truth/particles.npy',
  });

  const episode = await readEpisode(dir);
  assert.equal(episode.dir, dir);
  assert.deepEqual(episode.manifest, manifest);
  assert.deepEqual(JSON.parse(await readFile(join(dir, EPISODE_MANIFEST_FILE), 'utf8')), manifest);
  assert.deepEqual(
    episode.cameras.map((c) => c.id),
    ['cam0', 'cam1'],
  );
  // JSON has no -0, so compare with -0 folded into 0.
  const fold = (m: Float64Array) => Array.from(m, (v) => v + 0);
  assert.deepEqual(fold(episode.cameras[1].worldToCamera), fold(fixtureCameras()[1].worldToCamera));
  for (let c = 0; c < 2; c++)
    for (let t = 0; t < FIXTURE.frames; t++) {
      assert.deepEqual((await episode.readColor(c, t)).data, colorImage(c, t).data);
      assert.deepEqual((await episode.readDepth(c, t)).data, depthImage(c, t).data);
      assert.deepEqual((await episode.readMask(c, t)).data, maskImage(c, t).data);
    }
  await assert.rejects(episode.readColor(0, FIXTURE.frames), /frame 3: the episode .* has frames 0..2/);
  const truth = await episode.readTruth();
  const expected = fixtureTruth();
  assert.ok(truth);
  assert.deepEqual(truth.surfacePoints, { frames: 3, count: 5, data: expected.surfacePoints });
  assert.deepEqual(truth.surfaceVisibility, expected.surfaceVisibility);
  assert.deepEqual(truth.particles, { frames: 3, count: 4, data: expected.particles });
  const cloud = await episode.readPointCloud();
  assert.deepEqual(cloud, fixturePointCloud());
  assert.deepEqual(episode.manifest.endEffector?.positions, fixtureEndEffector());
});

test('readEpisode names the manifest and the failing field', async () => {
  const dir = join(root, 'bad-manifest');
  await mkdir(dir);
  const m = validManifest();
  m.cameras[1].K[0][0] = 0;
  await writeFile(join(dir, EPISODE_MANIFEST_FILE), JSON.stringify(m));
  await assert.rejects(readEpisode(dir), (err: Error) => {
    assert.ok(err.message.includes(join(dir, EPISODE_MANIFEST_FILE)), err.message);
    assert.ok(err.message.includes('cameras[1].K[0][0]: expected a positive number'), err.message);
    return true;
  });
  await assert.rejects(readEpisode(join(root, 'nowhere')), /episode\.json: missing/);
});

async function siblings(): Promise<string[]> {
  return (await readdir(root)).filter((n) => n.startsWith('.'));
}

test('the writer is atomic: nothing visible before commit, nothing left after abort', async () => {
  const out = join(root, 'atomic');
  const writer = await createEpisodeWriter(out);
  await writer.writeColor('cam0', 0, colorImage(0, 0));
  assert.ok(writer.tempDir.startsWith(join(root, '.atomic.partial-')), writer.tempDir);
  await assert.rejects(readdir(out), { code: 'ENOENT' });
  assert.equal((await siblings()).length, 1);
  await writer.abort();
  await assert.rejects(readdir(out), { code: 'ENOENT' });
  assert.deepEqual(await siblings(), []);
});

test('a commit that fails validation publishes nothing and removes the temp dir', async () => {
  const out = join(root, 'incomplete');
  const writer = await createEpisodeWriter(out);
  const cam = fixtureCameras()[0];
  await writer.writeColor(cam.id, 0, colorImage(0, 0));
  await writer.writeColor(cam.id, 1, colorImage(0, 1));
  await assert.rejects(
    writer.commit({ fps: 15, frameCount: 3, cameras: [manifestCamera(cam)] }),
    (err: EpisodeCommitError) => {
      assert.ok(err instanceof EpisodeCommitError);
      assert.deepEqual(
        err.problems.map((p) => p.file),
        ['color/cam0/000002.png'],
      );
      return true;
    },
  );
  await assert.rejects(readdir(out), { code: 'ENOENT' });
  assert.deepEqual(await siblings(), []);
  // A schema failure is refused the same way.
  const w2 = await createEpisodeWriter(out);
  await w2.writeColor(cam.id, 0, colorImage(0, 0));
  await assert.rejects(
    w2.commit({ fps: -1, frameCount: 1, cameras: [manifestCamera(cam)] }),
    /fps: expected a positive number/,
  );
  assert.deepEqual(await siblings(), []);
});

test('an existing outDir is kept unless overwrite, then replaced whole', async () => {
  const out = join(root, 'replace');
  await writeFixtureEpisode(out);
  await assert.rejects(createEpisodeWriter(out), /already exists/);
  const writer = await createEpisodeWriter(out, { overwrite: true, colorFormat: 'jpg' });
  const cam = fixtureCameras()[0];
  await writer.writeColor(cam.id, 0, colorImage(0, 0));
  await writer.writeFile('extras/note.txt', 'hello');
  await assert.rejects(writer.writeFile('../escape.txt', 'x'), /inside the episode directory/);
  assert.equal(await writer.commit({ fps: 30, frameCount: 1, cameras: [manifestCamera(cam)] }), out);
  const manifest = writer.manifest;
  assert.ok(manifest);
  assert.equal(manifest.images.color, 'color/{camera}/{frame}.jpg');
  assert.equal(manifest.images.depth, undefined);
  assert.deepEqual((await readdir(out)).sort(), ['color', 'episode.json', 'extras']);
  assert.deepEqual(await siblings(), []);
  const episode = await readEpisode(out);
  const img = await episode.readColor(0, 0);
  assert.equal(img.width, 16);
  // JPEG is lossy but close.
  let worst = 0;
  const ref = colorImage(0, 0).data;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(img.data[i] - ref[i]));
  assert.ok(worst < 120, `jpeg error ${worst}`);
});

test('the writer refuses unknown cameras and inconsistent truth arrays', async () => {
  const out = join(root, 'refuse');
  const writer = await createEpisodeWriter(out, { cameraIds: ['cam0'] });
  await assert.rejects(writer.writeColor('camX', 0, colorImage(0, 0)), /camera "camX" is not one of cam0/);
  const truth = fixtureTruth();
  await assert.rejects(
    writer.writeTruth({ ...truth, count: 4 }),
    /surfacePoints has 45 values, expected 3x4x3 = 36/,
  );
  await assert.rejects(writer.writeTruth({ ...truth, cameras: 3 }), /surfaceVisibility has 30 values/);
  await writer.abort();
  await writer.abort();
  assert.deepEqual(await siblings(), []);
});

test('files copied to templated image paths count as images of that kind', async () => {
  const base = join(root, 'copy-src');
  await writeFixtureEpisode(base);
  const out = join(root, 'copied');
  const writer = await createEpisodeWriter(out);
  const cam = fixtureCameras()[0];
  await writer.copyFile('color/cam0/000000.png', join(base, 'color/cam0/000000.png'));
  await writer.copyFile('depth/cam0/000000.png', join(base, 'depth/cam0/000000.png'));
  await writer.commit({ fps: 15, frameCount: 1, cameras: [manifestCamera(cam)] });
  assert.deepEqual(writer.manifest?.images, {
    color: DEFAULT_IMAGE_PATHS.color,
    depth: DEFAULT_IMAGE_PATHS.depth,
  });
  const episode = await readEpisode(out);
  assert.deepEqual((await episode.readDepth(0, 0)).data, depthImage(0, 0).data);
});
