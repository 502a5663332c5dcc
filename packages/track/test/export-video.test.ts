import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RgbImage } from '@gsdyn/formats';
import { writeMp4 } from '../src/export/video.js';
import { decodeMp4, ffmpegChildren, hasFtyp, meanAbsDiff } from './export-ffmpeg.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-video-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Smooth moving gradients (H.264 keeps them well), different in every frame. */
function gradientFrame(width: number, height: number, t: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = 3 * (y * width + x);
      data[o] = Math.round((255 * x) / (width - 1));
      data[o + 1] = Math.round((255 * y) / (height - 1));
      data[o + 2] = (40 * t) % 256;
    }
  return { width, height, data };
}

test('writeMp4 writes an H.264 MP4 that decodes back to the same number of frames and nearly the same pixels', async () => {
  const path = join(dir, 'sub', 'gradient.mp4');
  const frames = Array.from({ length: 6 }, (_, t) => gradientFrame(64, 48, t));
  // An async source, as trackVideo gives.
  async function* source() {
    for (const f of frames) yield f;
  }
  await writeMp4(path, source(), { fps: 15, width: 64, height: 48 });
  assert.ok(hasFtyp(path));
  const video = await decodeMp4(path);
  assert.deepEqual([video.codec, video.frames, video.width, video.height], ['h264', 6, 64, 48]);
  const n = 64 * 48 * 3;
  for (let t = 0; t < 6; t++) {
    const diff = meanAbsDiff(video.rgb.subarray(t * n, (t + 1) * n), frames[t].data);
    assert.ok(diff < 4, `frame ${t}: mean abs difference ${diff}`);
  }
  assert.deepEqual(await readdir(join(dir, 'sub')), ['gradient.mp4'], 'no temporary file left behind');
});

test('writeMp4 pads odd sizes to even ones (4:2:0 needs them) and takes a plain iterable', async () => {
  const path = join(dir, 'odd.mp4');
  await writeMp4(path, [gradientFrame(33, 17, 0), gradientFrame(33, 17, 1), gradientFrame(33, 17, 2)], {
    fps: 30,
    width: 33,
    height: 17,
  });
  const video = await decodeMp4(path);
  assert.deepEqual([video.frames, video.width, video.height], [3, 34, 18]);
});

test('a frame of the wrong size fails the write: no file, no temporary file, no ffmpeg left running', async () => {
  const sub = await mkdtemp(join(dir, 'wrong-'));
  const path = join(sub, 'wrong.mp4');
  await assert.rejects(
    writeMp4(path, [gradientFrame(64, 48, 0), gradientFrame(32, 48, 1)], { fps: 15, width: 64, height: 48 }),
    /frame 1 is 32x48 with 4608 bytes, expected 64x48 RGB/,
  );
  assert.deepEqual(await readdir(sub), []);
  assert.deepEqual(ffmpegChildren(), []);
});

test("a failing frame source fails the write with the source's error and cleans up", async () => {
  const sub = await mkdtemp(join(dir, 'source-'));
  async function* failing() {
    yield gradientFrame(64, 48, 0);
    yield gradientFrame(64, 48, 1);
    throw new Error('render exploded');
  }
  await assert.rejects(
    writeMp4(join(sub, 'x.mp4'), failing(), { fps: 15, width: 64, height: 48 }),
    /render exploded/,
  );
  assert.deepEqual(await readdir(sub), []);
  assert.deepEqual(ffmpegChildren(), []);
});

test("ffmpeg's own failure is reported with its stderr, and nothing is left behind", async () => {
  const sub = await mkdtemp(join(dir, 'ffmpeg-'));
  const path = join(sub, 'bad.mp4');
  const frames = Array.from({ length: 40 }, (_, t) => gradientFrame(64, 48, t));
  await assert.rejects(
    writeMp4(path, frames, { fps: 15, width: 64, height: 48, preset: 'no-such-preset' }),
    (e: Error) =>
      e.message.startsWith(`writeMp4 ${path}: ffmpeg exited with code`) && /preset/i.test(e.message),
  );
  assert.equal(existsSync(path), false);
  assert.deepEqual(await readdir(sub), []);
  assert.deepEqual(ffmpegChildren(), []);
});

test('writeMp4 rejects bad options and an empty frame source', async () => {
  const path = join(dir, 'never.mp4');
  await assert.rejects(writeMp4(path, [], { fps: 0, width: 4, height: 4 }), /fps must be > 0/);
  await assert.rejects(writeMp4(path, [], { fps: 10, width: 4.5, height: 4 }), /positive integers/);
  await assert.rejects(writeMp4(path, [], { fps: 10, width: 4, height: 4, crf: 60 }), /crf/);
  await assert.rejects(writeMp4(path, [], { fps: 10, width: 4, height: 4 }), /no frames to encode/);
  assert.equal(existsSync(path), false);
});
