// The contact sheet and the tracking video on a tiny simulated capture, with tracks made from its ground-truth
// surface points moved by a known offset per frame.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Episode, type RgbImage, readEpisode } from '@gsdyn/formats';
import { generateEpisode } from '@gsdyn/sim';
import { cloudFromPointCloud } from '@gsdyn/splat';
import { trackContactSheet } from '../src/export/contact-sheet.js';
import { cloudAtFrame } from '../src/export/frame-ply.js';
import { positionColors } from '../src/export/position-colors.js';
import { renderColorView } from '../src/export/render-view.js';
import type { TrackArrays } from '../src/export/track-arrays.js';
import { trackVideo } from '../src/export/video.js';
import { decodeMp4, ffmpegChildren, hasFtyp, meanAbsDiff } from './export-ffmpeg.js';
import { movingTracks } from './export-fixtures.js';

const W = 64;
const H = 48;
const GAP = 4;
/** Rows at the top of each tile that the label box may cover. */
const LABEL_ROWS = 10;

let dir: string;
let episode: Episode;
let tracks: TrackArrays;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-pictures-'));
  const out = join(dir, 'episode');
  await generateEpisode(out, {
    kind: 'plush',
    frames: 2,
    width: W,
    height: H,
    views: 2,
    seed: 7,
    surfacePoints: 300,
  });
  episode = await readEpisode(out);
  const truth = await episode.readTruth();
  assert.ok(truth);
  const points = truth.surfacePoints.data.slice(0, truth.surfacePoints.count * 3);
  const colors = new Float32Array(points.length);
  for (let i = 0; i < colors.length; i += 3) colors.set([0.9, 0.5, 0.1], i);
  tracks = movingTracks(cloudFromPointCloud(points, colors), 2);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The tile at (x, y) of a sheet, below the label box. */
function tileBody(
  sheet: { width: number; data: Uint8Array },
  x: number,
  y: number,
  w: number,
  h: number,
): Uint8Array {
  const out = new Uint8Array(w * (h - LABEL_ROWS) * 3);
  for (let j = LABEL_ROWS; j < h; j++)
    out.set(
      sheet.data.subarray(((y + j) * sheet.width + x) * 3, ((y + j) * sheet.width + x + w) * 3),
      (j - LABEL_ROWS) * w * 3,
    );
  return out;
}
const body = (image: RgbImage) => tileBody(image, 0, 0, image.width, image.height);
const isBlack = (a: Uint8Array) => a.every((v) => v === 0);

test('trackContactSheet: a row per frame in the given order, render and captured tiles per camera', async () => {
  const sheet = await trackContactSheet({ episode, tracks, frames: [1, 0], pixelConvention: 'opencv' });
  assert.equal(sheet.width, GAP + 4 * (W + GAP));
  assert.equal(sheet.height, GAP + 2 * (H + GAP));
  [1, 0].forEach((t, row) => {
    const y = GAP + row * (H + GAP);
    const cloud = cloudAtFrame(tracks.cloud, tracks.means, tracks.rotations, t);
    for (let c = 0; c < 2; c++) {
      const x = GAP + 2 * c * (W + GAP);
      const render = tileBody(sheet, x, y, W, H);
      assert.deepEqual(
        render,
        body(renderColorView(cloud, episode.cameras[c], 'opencv')),
        `render t=${t} cam${c}`,
      );
      assert.ok(!isBlack(render), `the object is in view of cam${c}`);
    }
  });
  // The moved frame renders differently from frame 0: the rows are not the same frame twice.
  assert.notDeepEqual(tileBody(sheet, GAP, GAP, W, H), tileBody(sheet, GAP, 2 * GAP + H, W, H));
  for (const [row, t] of [
    [0, 1],
    [1, 0],
  ])
    for (let c = 0; c < 2; c++) {
      const captured = await episode.readColor(c, t);
      const x = GAP + (2 * c + 1) * (W + GAP);
      assert.deepEqual(
        tileBody(sheet, x, GAP + row * (H + GAP), W, H),
        body(captured),
        `captured t=${t} cam${c}`,
      );
    }
});

test('trackContactSheet shows only the cameras asked for and rejects frames the tracks lack', async () => {
  const sheet = await trackContactSheet({
    episode,
    tracks,
    frames: [0],
    cameras: [1],
    pixelConvention: 'opencv',
  });
  assert.deepEqual([sheet.width, sheet.height], [GAP + 2 * (W + GAP), GAP + H + GAP]);
  const captured = await episode.readColor(1, 0);
  assert.deepEqual(tileBody(sheet, 2 * GAP + W, GAP, W, H), body(captured));
  await assert.rejects(
    trackContactSheet({ episode, tracks, frames: [2], pixelConvention: 'opencv' }),
    /frame 2 is out of range/,
  );
  await assert.rejects(
    trackContactSheet({ episode, tracks, frames: [0], cameras: [2], pixelConvention: 'opencv' }),
    /camera index 2 is out of range/,
  );
});

test('trackVideo: every frame, the position-coloured render beside each captured image, at the episode fps', async () => {
  const path = join(dir, 'videos', 'tracks.mp4');
  const progress: number[] = [];
  await trackVideo(path, {
    episode,
    tracks,
    pixelConvention: 'opencv',
    crf: 10,
    onProgress: (done) => progress.push(done),
  });
  assert.ok(hasFtyp(path));
  assert.deepEqual(progress, [1, 2]);
  const video = await decodeMp4(path);
  const width = GAP + 4 * (W + GAP);
  const height = GAP + H + GAP;
  assert.deepEqual([video.frames, video.width, video.height], [2, width, height]);
  const colored = {
    ...tracks.cloud,
    colors: positionColors(tracks.means.subarray(0, 3 * tracks.cloud.count)),
  };
  const frameBytes = width * height * 3;
  for (let t = 0; t < 2; t++) {
    const frame = { width, data: video.rgb.subarray(t * frameBytes, (t + 1) * frameBytes) };
    const cloud = cloudAtFrame(colored, tracks.means, tracks.rotations, t);
    for (let c = 0; c < 2; c++) {
      const render = renderColorView(cloud, episode.cameras[c], 'opencv');
      const dRender = meanAbsDiff(tileBody(frame, GAP + 2 * c * (W + GAP), GAP, W, H), body(render));
      const captured = await episode.readColor(c, t);
      const dCaptured = meanAbsDiff(
        tileBody(frame, GAP + (2 * c + 1) * (W + GAP), GAP, W, H),
        body(captured),
      );
      assert.ok(
        dRender < 6 && dCaptured < 6,
        `t=${t} cam${c}: render off by ${dRender}, captured by ${dCaptured}`,
      );
    }
  }
  assert.deepEqual(await readdir(join(dir, 'videos')), ['tracks.mp4']);
  assert.deepEqual(ffmpegChildren(), []);
});

test('trackVideo refuses tracks longer than the episode', async () => {
  const longer = movingTracks(tracks.cloud, 3);
  await assert.rejects(
    trackVideo(join(dir, 'never.mp4'), { episode, tracks: longer, pixelConvention: 'opencv' }),
    /the tracks have 3 frames but the episode .* has 2/,
  );
});
