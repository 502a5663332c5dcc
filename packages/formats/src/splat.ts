// antimatter15 '.splat' files (the compact format of the WebGL splat viewers): no header, 32 bytes per
// splat, little-endian:
//   f32 position[3] | f32 scale[3] (linear, = exp(log scale)) | u8 r g b a | u8 rot[4] (w x y z)
// with rgb = round(colour * 255), a = round(sigmoid(logit opacity) * 255), rot = round(q / |q| * 128 + 128),
// all clamped to 0..255. Lossy: colour and opacity are quantised to 1/255, rotations to 1/128, and
// higher SH bands are dropped.
import { readFile, writeFile } from 'node:fs/promises';
import type { GaussianCloudData } from './gaussian-ply.js';

export const SPLAT_BYTES = 32;
// Opacity bytes 0 and 255 would give infinite logits; clamp the probability to keep them finite.
const OPACITY_EPS = 1e-4;

function toByte(v: number): number {
  return Math.min(255, Math.max(0, Math.round(v)));
}

function checkCloud(cloud: GaussianCloudData): void {
  const n = cloud.count;
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`.splat: count must be a non-negative integer, got ${n}`);
  const sizes: [string, ArrayLike<number>, number][] = [
    ['means', cloud.means, 3 * n],
    ['quaternions', cloud.quaternions, 4 * n],
    ['logScales', cloud.logScales, 3 * n],
    ['logitOpacities', cloud.logitOpacities, n],
    ['colors', cloud.colors, 3 * n],
  ];
  for (const [name, array, expected] of sizes) {
    if (array.length !== expected)
      throw new Error(`.splat: ${name} has ${array.length} values, expected ${expected}`);
  }
}

export function encodeSplat(cloud: GaussianCloudData): Uint8Array {
  checkCloud(cloud);
  const { count, means, quaternions, logScales, logitOpacities, colors } = cloud;
  const out = new Uint8Array(SPLAT_BYTES * count);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    const o = SPLAT_BYTES * i;
    for (let k = 0; k < 3; k++) {
      view.setFloat32(o + 4 * k, means[3 * i + k], true);
      view.setFloat32(o + 12 + 4 * k, Math.exp(logScales[3 * i + k]), true);
      out[o + 24 + k] = toByte(colors[3 * i + k] * 255);
    }
    out[o + 27] = toByte(255 / (1 + Math.exp(-logitOpacities[i])));
    let w = quaternions[4 * i];
    let x = quaternions[4 * i + 1];
    let y = quaternions[4 * i + 2];
    let z = quaternions[4 * i + 3];
    const norm = Math.hypot(w, x, y, z);
    if (norm > 0) {
      w /= norm;
      x /= norm;
      y /= norm;
      z /= norm;
    } else {
      [w, x, y, z] = [1, 0, 0, 0]; // a zero quaternion means no rotation
    }
    out[o + 28] = toByte(w * 128 + 128);
    out[o + 29] = toByte(x * 128 + 128);
    out[o + 30] = toByte(y * 128 + 128);
    out[o + 31] = toByte(z * 128 + 128);
  }
  return out;
}

/**
 * The inverse mapping (lossy): logScale = log(scale), colour = rgb / 255, logit opacity from a / 255
 * clamped to (1e-4, 1 - 1e-4), quaternion = (rot - 128) / 128 renormalised; SH degree 0.
 */
export function parseSplat(bytes: Uint8Array, source = '<splat bytes>'): GaussianCloudData {
  if (bytes.length % SPLAT_BYTES !== 0) {
    throw new Error(
      `${source}: .splat size ${bytes.length} bytes is not a multiple of ${SPLAT_BYTES} (bytes per splat); the file is truncated or not a .splat`,
    );
  }
  const count = bytes.length / SPLAT_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const means = new Float32Array(3 * count);
  const logScales = new Float32Array(3 * count);
  const colors = new Float32Array(3 * count);
  const logitOpacities = new Float32Array(count);
  const quaternions = new Float32Array(4 * count);
  for (let i = 0; i < count; i++) {
    const o = SPLAT_BYTES * i;
    for (let k = 0; k < 3; k++) {
      means[3 * i + k] = view.getFloat32(o + 4 * k, true);
      // A zero scale would give -Infinity; the smallest positive double keeps the log finite.
      logScales[3 * i + k] = Math.log(Math.max(view.getFloat32(o + 12 + 4 * k, true), Number.MIN_VALUE));
      colors[3 * i + k] = bytes[o + 24 + k] / 255;
    }
    const p = Math.min(1 - OPACITY_EPS, Math.max(OPACITY_EPS, bytes[o + 27] / 255));
    logitOpacities[i] = Math.log(p / (1 - p));
    const w = bytes[o + 28] - 128;
    const x = bytes[o + 29] - 128;
    const y = bytes[o + 30] - 128;
    const z = bytes[o + 31] - 128;
    const norm = Math.hypot(w, x, y, z);
    if (norm > 0) quaternions.set([w / norm, x / norm, y / norm, z / norm], 4 * i);
    else quaternions[4 * i] = 1;
  }
  return { count, means, quaternions, logScales, logitOpacities, colors, shDegree: 0 };
}

export async function readSplat(path: string): Promise<GaussianCloudData> {
  const buffer = await readFile(path);
  return parseSplat(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path);
}

export async function writeSplat(path: string, cloud: GaussianCloudData): Promise<void> {
  await writeFile(path, encodeSplat(cloud));
}
