/**
 * Shared checks and mask handling for the image losses and metrics. Images are planar: channel c of pixel
 * (x, y) at c * W * H + y * W + x. Masks are one weight per pixel (H * W, row-major): a Uint8Array is binary
 * (any non-zero byte counts as 1, so 0/255 PNG masks work as they are), a Float32Array gives weights in [0, 1].
 */

/** A planar image; Float64Array is accepted so that tests can take finite differences in double precision. */
export type PlanarImage = Float32Array | Float64Array;
export type PixelMask = Uint8Array | Float32Array;

export function checkImages(
  what: string,
  pred: PlanarImage,
  target: PlanarImage,
  channels: number,
  width: number,
  height: number,
): void {
  for (const [name, v] of [
    ['channels', channels],
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`${what}: ${name} must be a positive integer, got ${v}`);
  }
  const n = channels * width * height;
  if (pred.length !== n) {
    throw new RangeError(`${what}: pred has ${pred.length} values, expected channels*width*height = ${n}`);
  }
  if (target.length !== n) {
    throw new RangeError(
      `${what}: target has ${target.length} values, expected channels*width*height = ${n}`,
    );
  }
}

/** Per-pixel weights (H * W) of a mask, validated. */
export function maskWeights(what: string, mask: PixelMask, width: number, height: number): Float32Array {
  const n = width * height;
  if (mask.length !== n)
    throw new RangeError(`${what}: mask has ${mask.length} values, expected width*height = ${n}`);
  if (mask instanceof Uint8Array) {
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = mask[i] !== 0 ? 1 : 0;
    return w;
  }
  for (let i = 0; i < n; i++) {
    const m = mask[i];
    if (!(m >= 0 && m <= 1)) throw new RangeError(`${what}: mask[${i}] = ${m}, expected a weight in [0, 1]`);
  }
  return mask;
}
