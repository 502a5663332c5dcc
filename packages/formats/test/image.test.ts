import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { Random } from '@gsdyn/geometry';
import pngjs from 'pngjs';
import {
  type DepthImage,
  decodeColorImage,
  decodeDepthPng,
  decodeMaskPng,
  encodeColorJpeg,
  encodeColorPng,
  encodeDepthPng,
  encodeMaskPng,
  encodeRawPng,
  type RgbImage,
  readColorImage,
  readDepthPng,
  readImageInfo,
  readMaskImage,
  writeColorImage,
  writeDepthPng,
  writeMaskImage,
} from '../src/image.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-image-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function noiseImage(width: number, height: number, seed: number): RgbImage {
  const rng = new Random(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { width, height, data };
}

function smoothImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      data[i] = Math.round(127.5 + 120 * Math.sin(x / 9));
      data[i + 1] = Math.round(127.5 + 120 * Math.cos(y / 11));
      data[i + 2] = Math.round((255 * (x + y)) / (width + height));
    }
  }
  return { width, height, data };
}

test('depth PNG round-trips every uint16 value exactly and deterministically', async () => {
  const depth: DepthImage = { width: 256, height: 256, data: new Uint16Array(65536) };
  // A permutation of 0..65535, so neighbouring samples differ and every PNG filter gets exercised.
  for (let i = 0; i < 65536; i++) depth.data[i] = (i * 40503) & 0xffff;
  const path = join(dir, 'depth.png');
  await writeDepthPng(path, depth);
  const back = await readDepthPng(path);
  assert.equal(back.width, 256);
  assert.equal(back.height, 256);
  assert.ok(back.data instanceof Uint16Array);
  assert.deepEqual(back.data, depth.data);
  assert.deepEqual(encodeDepthPng(depth), encodeDepthPng(depth));
  assert.deepEqual(await readImageInfo(path), {
    width: 256,
    height: 256,
    channels: 1,
    bitDepth: 16,
    format: 'png',
  });
});

test('an 8-bit PNG passed to readDepthPng is rejected with what it is and the file name', async () => {
  const path = join(dir, 'not-depth.png');
  await writeColorImage(path, noiseImage(4, 3, 1));
  await assert.rejects(readDepthPng(path), (err: Error) => {
    assert.match(err.message, /not-depth\.png/);
    assert.match(err.message, /8-bit RGB/);
    assert.match(err.message, /expected 16-bit grey/);
    return true;
  });
  const maskPath = join(dir, 'mask-not-depth.png');
  await writeMaskImage(maskPath, { width: 2, height: 2, data: new Uint8Array(4) });
  await assert.rejects(readDepthPng(maskPath), /8-bit grey, expected 16-bit grey/);
});

test('colour PNG round-trips exactly and is deterministic', async () => {
  const image = noiseImage(37, 23, 7);
  const path = join(dir, 'colour.png');
  await writeColorImage(path, image);
  const back = await readColorImage(path);
  assert.equal(back.width, 37);
  assert.equal(back.height, 23);
  assert.deepEqual(back.data, image.data);
  assert.deepEqual(await encodeColorPng(image), await encodeColorPng(image));
  assert.deepEqual(await readImageInfo(path), {
    width: 37,
    height: 23,
    channels: 3,
    bitDepth: 8,
    format: 'png',
  });
});

test('colour JPEG round-trips a smooth image within tolerance', async () => {
  const image = smoothImage(96, 64);
  for (const name of ['colour.jpg', 'colour.JPEG']) {
    const path = join(dir, name);
    await writeColorImage(path, image);
    const back = await readColorImage(path);
    assert.equal(back.width, 96);
    assert.equal(back.height, 64);
    let sum = 0;
    let max = 0;
    for (let i = 0; i < image.data.length; i++) {
      const e = Math.abs(back.data[i] - image.data[i]);
      sum += e;
      max = Math.max(max, e);
    }
    assert.ok(sum / image.data.length < 1.5, `mean abs error ${sum / image.data.length}`);
    assert.ok(max <= 8, `max abs error ${max}`);
    assert.deepEqual(await readImageInfo(path), {
      width: 96,
      height: 64,
      channels: 3,
      bitDepth: 8,
      format: 'jpeg',
    });
  }
  const low = await encodeColorJpeg(image, 30);
  const high = await encodeColorJpeg(image);
  assert.ok(low.length < high.length, 'quality 30 must give a smaller file than the default 95');
  assert.deepEqual(await encodeColorJpeg(image), high);
});

test('colour reader replicates grey, drops alpha and maps 16-bit to 8-bit', async () => {
  const grey = encodeRawPng(3, 1, 0, 8, Uint8Array.of(0, 100, 255));
  assert.deepEqual(Array.from((await decodeColorImage(grey)).data), [0, 0, 0, 100, 100, 100, 255, 255, 255]);

  const samples16 = Uint16Array.of(0, 256, 65535, 32768, 40000, 65280);
  const rgb16 = encodeRawPng(2, 1, 2, 16, samples16);
  const back = await decodeColorImage(rgb16);
  assert.deepEqual(
    Array.from(back.data),
    Array.from(samples16, (v) => v >> 8),
  );

  const rgba = await encodeRgbaWithSharp();
  const fromRgba = await decodeColorImage(rgba);
  assert.deepEqual(Array.from(fromRgba.data), [10, 20, 30, 40, 50, 60]);
});

async function encodeRgbaWithSharp(): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp');
  const raw = Uint8Array.of(10, 20, 30, 0, 40, 50, 60, 128);
  return sharp(raw, { raw: { width: 2, height: 1, channels: 4 } })
    .png()
    .toBuffer();
}

test('mask round trip, and label / RGB masks read as 0 or 255', async () => {
  const mask = { width: 5, height: 4, data: new Uint8Array(20) };
  for (let i = 0; i < 20; i++) mask.data[i] = i % 3 === 0 ? 255 : 0;
  const path = join(dir, 'mask.png');
  await writeMaskImage(path, mask);
  assert.deepEqual((await readMaskImage(path)).data, mask.data);
  assert.deepEqual(await readImageInfo(path), {
    width: 5,
    height: 4,
    channels: 1,
    bitDepth: 8,
    format: 'png',
  });
  assert.deepEqual(encodeMaskPng(mask), encodeMaskPng(mask));

  const labels = encodeRawPng(4, 1, 0, 8, Uint8Array.of(0, 1, 0, 2));
  assert.deepEqual(Array.from(decodeMaskPng(labels).data), [0, 255, 0, 255]);
  const labels16 = encodeRawPng(3, 1, 0, 16, Uint16Array.of(0, 1, 300));
  assert.deepEqual(Array.from(decodeMaskPng(labels16).data), [0, 255, 255]);
  const rgb = encodeRawPng(3, 1, 2, 8, Uint8Array.of(0, 0, 0, 0, 0, 1, 200, 0, 0));
  assert.deepEqual(Array.from(decodeMaskPng(rgb).data), [0, 255, 255]);

  const jpegPath = join(dir, 'mask.jpg');
  await writeColorImage(jpegPath, smoothImage(8, 8));
  await assert.rejects(readMaskImage(jpegPath), /mask\.jpg: mask is a JPEG, expected a PNG/);
});

test('sizes that do not match the data are rejected', async () => {
  assert.throws(
    () => encodeDepthPng({ width: 4, height: 4, data: new Uint16Array(15) }),
    /depth PNG: data has 15 values, expected 4x4x1 = 16/,
  );
  assert.throws(() => encodeMaskPng({ width: 0, height: 4, data: new Uint8Array(0) }), /positive integers/);
  await assert.rejects(
    encodeColorPng({ width: 2, height: 2, data: new Uint8Array(11) }),
    /colour PNG: data has 11 values, expected 2x2x3 = 12/,
  );
  await assert.rejects(
    writeColorImage(join(dir, 'x.bmp'), noiseImage(2, 2, 3)),
    /x\.bmp: cannot tell the image format from extension '\.bmp'/,
  );
});

test('unknown formats are rejected naming the file', async () => {
  const path = join(dir, 'junk.png');
  await writeFile(path, 'this is not an image at all, just text');
  await assert.rejects(readImageInfo(path), /junk\.png: unknown image format/);
  await assert.rejects(readColorImage(path), /junk\.png: unknown image format/);
  await assert.rejects(readDepthPng(path), /junk\.png: not a PNG file/);
});

test('readImageInfo finds the JPEG frame header after large APP segments', async () => {
  const jpeg = await encodeColorJpeg(smoothImage(40, 30));
  // Insert an APP1 segment of 60 kB after SOI: the frame header then lies far beyond the first read.
  const app = new Uint8Array(4 + 60000);
  app[0] = 0xff;
  app[1] = 0xe1;
  app[2] = (60002 >> 8) & 0xff;
  app[3] = 60002 & 0xff;
  const padded = new Uint8Array(jpeg.length + app.length);
  padded.set(jpeg.subarray(0, 2), 0);
  padded.set(app, 2);
  padded.set(jpeg.subarray(2), 2 + app.length);
  const path = join(dir, 'big-app.jpg');
  await writeFile(path, padded);
  assert.deepEqual(await readImageInfo(path), {
    width: 40,
    height: 30,
    channels: 3,
    bitDepth: 8,
    format: 'jpeg',
  });
  assert.equal((await readColorImage(path)).width, 40);
});

/** Filter type of each row of a non-interlaced PNG with a single IDAT chunk (our writer's output). */
function rowFilters(png: Uint8Array, rowBytes: number): number[] {
  const length = new DataView(png.buffer, png.byteOffset).getUint32(33);
  const raw = inflateSync(png.subarray(41, 41 + length));
  const filters: number[] = [];
  for (let o = 0; o < raw.length; o += rowBytes + 1) filters.push(raw[o]);
  return filters;
}

test('the fast grey PNG decoder agrees with pngjs on every filter type, 8 and 16 bit', () => {
  const width = 64;
  const height = 40;
  const rng = new Random(5);
  const depth = new Uint16Array(width * height);
  // Big-endian sample bytes, as the PNG filters see them.
  const byteAt = (y: number, i: number) => {
    const v = depth[y * width + (i >> 1)];
    return i & 1 ? v & 0xff : v >> 8;
  };
  for (let y = 0; y < height; y++) {
    const kind = y % 5;
    if (kind === 3) {
      // Each byte is the mean of its left and upper neighbours: the 'average' filter predicts it exactly.
      const row = new Uint8Array(2 * width);
      for (let i = 0; i < row.length; i++) row[i] = ((i >= 2 ? row[i - 2] : 0) + byteAt(y - 1, i)) >> 1;
      for (let x = 0; x < width; x++) depth[y * width + x] = (row[2 * x] << 8) | row[2 * x + 1];
      continue;
    }
    for (let x = 0; x < width; x++) {
      let v: number;
      if (kind === 0)
        v = rng.int(65536); // noise
      else if (kind === 1)
        v = 1000 + 37 * x; // horizontal ramp
      else if (kind === 2)
        v = depth[(y - 1) * width + x] + 3; // the row above plus a constant
      else v = (x * 1009 + y * 7919) % 65536;
      depth[y * width + x] = v;
    }
  }
  const png16 = encodeDepthPng({ width, height, data: depth });
  assert.deepEqual(
    new Set(rowFilters(png16, 2 * width)),
    new Set([0, 1, 2, 3, 4]),
    'test image must use every filter',
  );
  const ours = decodeDepthPng(png16);
  const oracle = pngjs.PNG.sync.read(Buffer.from(png16), { skipRescale: true });
  assert.deepEqual(
    ours.data,
    Uint16Array.from({ length: width * height }, (_, i) => (oracle.data as unknown as Uint16Array)[4 * i]),
  );
  assert.deepEqual(ours.data, depth);

  const grey8 = Uint8Array.from(depth, (v) => (v & 1 ? 0 : v >> 8));
  const png8 = encodeRawPng(width, height, 0, 8, grey8);
  const mask = decodeMaskPng(png8);
  assert.deepEqual(
    mask.data,
    Uint8Array.from(grey8, (v) => (v > 0 ? 255 : 0)),
  );
});

test('depth and mask decoding accept PNGs written by other encoders (sharp, pngjs)', async () => {
  const { default: sharp } = await import('sharp');
  const grey = Uint8Array.from({ length: 30 * 20 }, (_, i) => (i % 7 === 0 ? 0 : (i * 13) % 256));
  const bySharp = await sharp(grey, { raw: { width: 30, height: 20, channels: 1 } })
    .png({ compressionLevel: 9, adaptiveFiltering: true })
    .toBuffer();
  assert.deepEqual(
    decodeMaskPng(bySharp).data,
    Uint8Array.from(grey, (v) => (v > 0 ? 255 : 0)),
  );
  const interlaced = await sharp(grey, { raw: { width: 30, height: 20, channels: 1 } })
    .png({ progressive: true })
    .toBuffer();
  assert.deepEqual(
    decodeMaskPng(interlaced).data,
    Uint8Array.from(grey, (v) => (v > 0 ? 255 : 0)),
  );

  const depth = Uint16Array.from({ length: 12 * 9 }, (_, i) => (i * 4099) % 65536);
  const png = new pngjs.PNG({
    width: 12,
    height: 9,
    bitDepth: 16,
    colorType: 0,
    inputColorType: 0,
    inputHasAlpha: false,
  });
  png.data = Buffer.from(depth.buffer); // pngjs ignores byteOffset: give it a whole buffer
  const byPngjs = pngjs.PNG.sync.write(png, {
    bitDepth: 16,
    colorType: 0,
    inputColorType: 0,
    inputHasAlpha: false,
  });
  assert.deepEqual(decodeDepthPng(byPngjs).data, depth);
});

test('writeDepthPng and writeMaskImage (async deflate) write exactly the bytes of the sync encoders', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gsdyn-image-async-'));
  try {
    const rng = new Random(5);
    const depth = {
      width: 37,
      height: 23,
      data: Uint16Array.from({ length: 37 * 23 }, () => rng.int(65536)),
    };
    const mask = {
      width: 37,
      height: 23,
      data: Uint8Array.from({ length: 37 * 23 }, () => (rng.next() < 0.3 ? 255 : 0)),
    };
    await writeDepthPng(join(dir, 'd.png'), depth);
    await writeMaskImage(join(dir, 'm.png'), mask);
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'd.png'))), encodeDepthPng(depth));
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'm.png'))), encodeMaskPng(mask));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
