// Colour, depth and mask images.
//
// Colour PNG/JPEG go through sharp (libvips: fast, handles every PNG/JPEG variant and ICC profiles).
// Depth and mask PNGs are encoded by the small grey-PNG writer below and decoded by pngjs, because the
// exact sample values matter there and sharp was measured to turn uint16 input into 8-bit values x 257
// (millimetres lost). Our own writer also makes the bytes deterministic: same pixels, same file.
import { open, readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { promisify } from 'node:util';
import { deflate, deflateSync, inflateSync } from 'node:zlib';
import pngjs from 'pngjs';
import sharp from 'sharp';

export interface RgbImage {
  width: number;
  height: number;
  /** 3 bytes per pixel, row-major, top row first. */
  data: Uint8Array;
}
export interface GrayImage {
  width: number;
  height: number;
  /** 1 byte per pixel (masks: 0 background, >0 object). */
  data: Uint8Array;
}
export interface DepthImage {
  width: number;
  height: number;
  /** Millimetres, 0 = no reading. */
  data: Uint16Array;
}
export interface ImageInfo {
  width: number;
  height: number;
  channels: number;
  bitDepth: 8 | 16;
  format: 'png' | 'jpeg';
}

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const DEFAULT_JPEG_QUALITY = 95;

// ---------------------------------------------------------------------------------------------
// Header parsing (no pixel decoding)

/** PNG IHDR fields; `channels` follows the colour type (palette images count as 3). */
interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < PNG_SIGNATURE.length) return false;
  for (let i = 0; i < PNG_SIGNATURE.length; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return false;
  return true;
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };
const PNG_COLOR_NAMES: Record<number, string> = {
  0: 'grey',
  2: 'RGB',
  3: 'palette',
  4: 'grey+alpha',
  6: 'RGBA',
};

function parsePngHeader(bytes: Uint8Array, source: string): PngHeader {
  if (!isPng(bytes)) throw new Error(`${source}: not a PNG file (bad signature)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
    throw new Error(`${source}: PNG is truncated or its first chunk is not IHDR`);
  }
  const header: PngHeader = {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24],
    colorType: bytes[25],
    interlace: bytes[28],
  };
  if (!(header.colorType in PNG_CHANNELS)) {
    throw new Error(`${source}: PNG colour type ${header.colorType} is not valid (expected 0, 2, 3, 4 or 6)`);
  }
  return header;
}

function describePng(h: PngHeader): string {
  return `${h.bitDepth}-bit ${PNG_COLOR_NAMES[h.colorType]}${h.interlace ? ' interlaced' : ''}`;
}

function pngInfo(h: PngHeader): ImageInfo {
  return {
    width: h.width,
    height: h.height,
    channels: PNG_CHANNELS[h.colorType],
    bitDepth: h.bitDepth === 16 ? 16 : 8,
    format: 'png',
  };
}

/** Reads `length` bytes at `position`; fewer at the end of the file. */
type ByteReader = (position: number, length: number) => Promise<Uint8Array>;

// SOFn markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
function isSofMarker(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

async function jpegInfo(read: ByteReader, source: string): Promise<ImageInfo> {
  let pos = 2;
  for (;;) {
    const head = await read(pos, 4);
    if (head.length < 2 || head[0] !== 0xff) {
      throw new Error(`${source}: JPEG has no frame header (SOF) before byte ${pos}`);
    }
    const marker = head[1];
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2; // standalone markers carry no length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda || head.length < 4) {
      throw new Error(`${source}: JPEG has no frame header (SOF) before byte ${pos}`);
    }
    const length = (head[2] << 8) | head[3];
    if (isSofMarker(marker)) {
      const sof = await read(pos + 4, 6);
      if (sof.length < 6) throw new Error(`${source}: JPEG frame header is truncated at byte ${pos}`);
      const precision = sof[0];
      return {
        height: (sof[1] << 8) | sof[2],
        width: (sof[3] << 8) | sof[4],
        channels: sof[5],
        bitDepth: precision > 8 ? 16 : 8,
        format: 'jpeg',
      };
    }
    pos += 2 + length;
  }
}

/** Image size, channels, bit depth and format from the bytes of a PNG or JPEG file (no pixel decoding). */
export async function imageInfoFromBytes(bytes: Uint8Array, source = '<bytes>'): Promise<ImageInfo> {
  if (isPng(bytes)) return pngInfo(parsePngHeader(bytes, source));
  if (isJpeg(bytes)) return jpegInfo(async (p, n) => bytes.subarray(p, p + n), source);
  throw new Error(`${source}: unknown image format (expected a PNG or JPEG file)`);
}

/** Image size, channels, bit depth and format, reading only the header of the file. */
export async function readImageInfo(path: string): Promise<ImageInfo> {
  const file = await open(path, 'r');
  try {
    const read: ByteReader = async (position, length) => {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await file.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    };
    const start = await read(0, 33);
    if (isPng(start)) return pngInfo(parsePngHeader(start, path));
    if (isJpeg(start)) return await jpegInfo(read, path);
    throw new Error(`${path}: unknown image format (expected a PNG or JPEG file)`);
  } finally {
    await file.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Size checks

function checkSize(
  image: { width: number; height: number; data: ArrayLike<number> },
  channels: number,
  what: string,
): void {
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${what}: width and height must be positive integers, got ${width}x${height}`);
  }
  const expected = width * height * channels;
  if (image.data.length !== expected) {
    throw new Error(
      `${what}: data has ${image.data.length} values, expected ${width}x${height}x${channels} = ${expected}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// A minimal deterministic PNG writer (non-interlaced grey or RGB, 8 or 16 bits)

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out, 4, 8 + body.length));
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Applies PNG filter `filter` to one row into `out`; returns the sum of absolute signed output bytes. */
function filterRow(filter: number, row: Uint8Array, prev: Uint8Array, bpp: number, out: Uint8Array): number {
  const n = row.length;
  let cost = 0;
  // One tight loop per filter type, so the per-byte work has no branch on the filter.
  switch (filter) {
    case 0:
      out.set(row);
      break;
    case 1:
      for (let i = 0; i < n; i++) out[i] = row[i] - (i >= bpp ? row[i - bpp] : 0);
      break;
    case 2:
      for (let i = 0; i < n; i++) out[i] = row[i] - prev[i];
      break;
    case 3:
      for (let i = 0; i < n; i++) out[i] = row[i] - (((i >= bpp ? row[i - bpp] : 0) + prev[i]) >> 1);
      break;
    default:
      for (let i = 0; i < bpp; i++) out[i] = row[i] - prev[i];
      for (let i = bpp; i < n; i++) out[i] = row[i] - paeth(row[i - bpp], prev[i], prev[i - bpp]);
  }
  for (let i = 0; i < n; i++) {
    const v = out[i];
    cost += v < 128 ? v : 256 - v;
  }
  return cost;
}

/**
 * Filters each row with the PNG filter (none/sub/up/average/paeth) whose output has the smallest sum of
 * absolute signed bytes, the libpng heuristic; deterministic, so identical pixels give identical files.
 */
function filterRows(raw: Uint8Array, rowBytes: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array((rowBytes + 1) * height);
  const scratch = [0, 1, 2, 3, 4].map(() => new Uint8Array(rowBytes));
  const zeroRow = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * rowBytes, (y + 1) * rowBytes);
    const prev = y > 0 ? raw.subarray((y - 1) * rowBytes, y * rowBytes) : zeroRow;
    let best = 0;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let filter = 0; filter < 5; filter++) {
      const cost = filterRow(filter, row, prev, bpp, scratch[filter]);
      if (cost < bestCost) {
        bestCost = cost;
        best = filter;
      }
    }
    out[y * (rowBytes + 1)] = best;
    out.set(scratch[best], y * (rowBytes + 1) + 1);
  }
  return out;
}

const DEFLATE_OPTIONS = { level: 6 };
const deflateAsync = promisify(deflate);

/** Encodes big-endian sample bytes `raw` (rows top first) as a non-interlaced PNG. */
function encodePng(width: number, height: number, colorType: 0 | 2, bitDepth: 8 | 16, raw: Uint8Array) {
  const filtered = filterRows(
    raw,
    width * bytesPerPixel(colorType, bitDepth),
    height,
    bytesPerPixel(colorType, bitDepth),
  );
  return assemblePng(width, height, colorType, bitDepth, deflateSync(filtered, DEFLATE_OPTIONS));
}

/**
 * The same bytes as encodePng, with the deflate on libuv's thread pool: writers of many images (the simulator
 * writes hundreds per episode) then compress on the other cores while the caller renders the next frame.
 */
async function encodePngAsync(
  width: number,
  height: number,
  colorType: 0 | 2,
  bitDepth: 8 | 16,
  raw: Uint8Array,
) {
  const filtered = filterRows(
    raw,
    width * bytesPerPixel(colorType, bitDepth),
    height,
    bytesPerPixel(colorType, bitDepth),
  );
  return assemblePng(width, height, colorType, bitDepth, await deflateAsync(filtered, DEFLATE_OPTIONS));
}

function bytesPerPixel(colorType: 0 | 2, bitDepth: 8 | 16): number {
  return ((colorType === 0 ? 1 : 3) * bitDepth) / 8;
}

function assemblePng(
  width: number,
  height: number,
  colorType: 0 | 2,
  bitDepth: 8 | 16,
  idat: Uint8Array,
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  // compression 0, filter 0, interlace 0
  const parts = [
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Fast path for non-interlaced 8/16-bit grey PNGs (what depth and mask writers produce): inflate and
 * unfilter directly, about 3x faster than pngjs, which also expands every pixel to RGBA. Returns
 * undefined for any other layout, which then goes through pngjs.
 */
function decodeGreyPng(
  bytes: Uint8Array,
  header: PngHeader,
  source: string,
): Uint8Array | Uint16Array | undefined {
  if (header.colorType !== 0 || header.interlace !== 0 || (header.bitDepth !== 8 && header.bitDepth !== 16)) {
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [];
  let pos = 8;
  for (;;) {
    if (pos + 8 > bytes.length) throw new Error(`${source}: PNG is truncated (no IEND chunk)`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    if (pos + 12 + length > bytes.length)
      throw new Error(`${source}: PNG chunk '${type}' at byte ${pos} is truncated`);
    if (type === 'IDAT') parts.push(bytes.subarray(pos + 8, pos + 8 + length));
    if (type === 'IEND') break;
    pos += 12 + length;
  }
  let raw: Uint8Array;
  try {
    raw = inflateSync(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  } catch (err) {
    throw new Error(`${source}: cannot inflate PNG image data: ${(err as Error).message}`);
  }
  const { width, height } = header;
  const bpp = header.bitDepth / 8;
  const rowBytes = width * bpp;
  if (raw.length < (rowBytes + 1) * height) {
    throw new Error(`${source}: PNG image data has ${raw.length} bytes, expected ${(rowBytes + 1) * height}`);
  }
  const pixels = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)];
    const src = raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    const row = pixels.subarray(y * rowBytes, (y + 1) * rowBytes);
    const prev = y > 0 ? pixels.subarray((y - 1) * rowBytes, y * rowBytes) : new Uint8Array(rowBytes);
    switch (filter) {
      case 0:
        row.set(src);
        break;
      case 1:
        for (let i = 0; i < rowBytes; i++) row[i] = src[i] + (i >= bpp ? row[i - bpp] : 0);
        break;
      case 2:
        for (let i = 0; i < rowBytes; i++) row[i] = src[i] + prev[i];
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) row[i] = src[i] + (((i >= bpp ? row[i - bpp] : 0) + prev[i]) >> 1);
        break;
      case 4:
        for (let i = 0; i < bpp; i++) row[i] = src[i] + prev[i];
        for (let i = bpp; i < rowBytes; i++) row[i] = src[i] + paeth(row[i - bpp], prev[i], prev[i - bpp]);
        break;
      default:
        throw new Error(`${source}: PNG row ${y} has invalid filter type ${filter}`);
    }
  }
  if (bpp === 1) return pixels;
  const out = new Uint16Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = (pixels[2 * i] << 8) | pixels[2 * i + 1];
  return out;
}

/** Decodes any PNG with pngjs into RGBA samples at their stored bit depth (16-bit -> Uint16Array). */
function decodePngRgba(
  bytes: Uint8Array,
  source: string,
): { width: number; height: number; rgba: ArrayLike<number> } {
  try {
    const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      skipRescale: true,
    });
    return { width: png.width, height: png.height, rgba: png.data as unknown as ArrayLike<number> };
  } catch (err) {
    throw new Error(`${source}: cannot decode PNG: ${(err as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Colour

/** Decodes PNG or JPEG bytes to 8-bit RGB: grey is replicated, alpha dropped, 16-bit scaled to 8-bit. */
export async function decodeColorImage(bytes: Uint8Array, source = '<bytes>'): Promise<RgbImage> {
  if (!isPng(bytes) && !isJpeg(bytes)) {
    throw new Error(`${source}: unknown image format (expected a PNG or JPEG file)`);
  }
  try {
    const { data, info } = await sharp(bytes)
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (err) {
    throw new Error(`${source}: cannot decode colour image: ${(err as Error).message}`);
  }
}

export async function readColorImage(path: string): Promise<RgbImage> {
  return decodeColorImage(await readFile(path), path);
}

function sharpRaw(image: RgbImage, what: string) {
  checkSize(image, 3, what);
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

export async function encodeColorPng(image: RgbImage): Promise<Uint8Array> {
  const out = await sharpRaw(image, 'colour PNG').png({ compressionLevel: 6 }).toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Baseline JPEG without chroma subsampling (4:4:4), so colour edges survive for photometric losses. */
export async function encodeColorJpeg(image: RgbImage, quality = DEFAULT_JPEG_QUALITY): Promise<Uint8Array> {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new Error(`colour JPEG: quality must be an integer in 1..100, got ${quality}`);
  }
  const out = await sharpRaw(image, 'colour JPEG').jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Writes a PNG or a JPEG (quality 95) chosen by the extension: .png, .jpg or .jpeg. */
export async function writeColorImage(path: string, image: RgbImage): Promise<void> {
  const ext = extname(path).toLowerCase();
  let bytes: Uint8Array;
  if (ext === '.png') bytes = await encodeColorPng(image);
  else if (ext === '.jpg' || ext === '.jpeg') bytes = await encodeColorJpeg(image);
  else
    throw new Error(
      `${path}: cannot tell the image format from extension '${ext}' (expected .png, .jpg or .jpeg)`,
    );
  await writeFile(path, bytes);
}

// ---------------------------------------------------------------------------------------------
// Depth (uint16 millimetres in a 16-bit grey PNG)

export function decodeDepthPng(bytes: Uint8Array, source = '<bytes>'): DepthImage {
  const header = parsePngHeader(bytes, source);
  if (header.bitDepth !== 16 || header.colorType !== 0) {
    throw new Error(
      `${source}: depth PNG is ${describePng(header)}, expected 16-bit grey (uint16 millimetres)`,
    );
  }
  const fast = decodeGreyPng(bytes, header, source);
  if (fast) return { width: header.width, height: header.height, data: fast as Uint16Array };
  const { width, height, rgba } = decodePngRgba(bytes, source);
  const data = new Uint16Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rgba[4 * i];
  return { width, height, data };
}

export async function readDepthPng(path: string): Promise<DepthImage> {
  return decodeDepthPng(await readFile(path), path);
}

export function encodeDepthPng(depth: DepthImage): Uint8Array {
  return encodePng(depth.width, depth.height, 0, 16, depthSamples(depth));
}

export async function writeDepthPng(path: string, depth: DepthImage): Promise<void> {
  await writeFile(path, await encodePngAsync(depth.width, depth.height, 0, 16, depthSamples(depth)));
}

function depthSamples(depth: DepthImage): Uint8Array {
  checkSize(depth, 1, 'depth PNG');
  const raw = new Uint8Array(depth.data.length * 2);
  for (let i = 0; i < depth.data.length; i++) {
    const v = depth.data[i];
    raw[2 * i] = v >> 8; // PNG samples are big-endian
    raw[2 * i + 1] = v & 0xff;
  }
  return raw;
}

// ---------------------------------------------------------------------------------------------
// Masks (8-bit grey PNG; on read any non-zero colour channel means object)

/**
 * Decodes a mask PNG of any layout (grey, 0/1 labels, palette, RGB, RGBA, 16-bit) to 0/255: a pixel is
 * object when any colour channel is non-zero. Alpha is ignored (opaque RGBA masks would otherwise be all
 * object).
 */
export function decodeMaskPng(bytes: Uint8Array, source = '<bytes>'): GrayImage {
  if (isJpeg(bytes)) throw new Error(`${source}: mask is a JPEG, expected a PNG (masks must be lossless)`);
  const header = parsePngHeader(bytes, source);
  const fast = decodeGreyPng(bytes, header, source);
  if (fast) {
    const data = new Uint8Array(fast.length);
    for (let i = 0; i < data.length; i++) data[i] = fast[i] > 0 ? 255 : 0;
    return { width: header.width, height: header.height, data };
  }
  const { width, height, rgba } = decodePngRgba(bytes, source);
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) {
    data[i] = rgba[4 * i] > 0 || rgba[4 * i + 1] > 0 || rgba[4 * i + 2] > 0 ? 255 : 0;
  }
  return { width, height, data };
}

export async function readMaskImage(path: string): Promise<GrayImage> {
  return decodeMaskPng(await readFile(path), path);
}

/** Encodes the grey values as they are (8-bit grey PNG); readMaskImage maps any non-zero value to 255. */
export function encodeMaskPng(mask: GrayImage): Uint8Array {
  checkSize(mask, 1, 'mask PNG');
  return encodePng(mask.width, mask.height, 0, 8, mask.data);
}

export async function writeMaskImage(path: string, mask: GrayImage): Promise<void> {
  checkSize(mask, 1, 'mask PNG');
  await writeFile(path, await encodePngAsync(mask.width, mask.height, 0, 8, mask.data));
}

/** Grey or RGB samples, 8 or 16 bits, as a PNG through the same deterministic writer (16-bit colour inputs, labels). */
export function encodeRawPng(
  width: number,
  height: number,
  colorType: 0 | 2,
  bitDepth: 8 | 16,
  samples: Uint8Array | Uint16Array,
): Uint8Array {
  const channels = colorType === 0 ? 1 : 3;
  checkSize({ width, height, data: samples }, channels, 'raw PNG');
  if (bitDepth === 8) return encodePng(width, height, colorType, 8, Uint8Array.from(samples));
  const raw = new Uint8Array(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    raw[2 * i] = samples[i] >> 8;
    raw[2 * i + 1] = samples[i] & 0xff;
  }
  return encodePng(width, height, colorType, 16, raw);
}
