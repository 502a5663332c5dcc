/**
 * Rectangles of pixels, for losses that only need to look where an image is not black: a render of an object on
 * black compared with a masked capture differs from zero in a small part of the frame, and the image loss can run on
 * that part alone (imageLoss, viewLoss's contentRegion).
 */
import type { TileBins } from '../types.js';
import type { PlanarImage } from './image.js';

export interface PixelRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The rectangle grown by `margin` pixels on every side, clipped to a width x height image. */
export function growRegion(region: PixelRegion, margin: number, width: number, height: number): PixelRegion {
  const x = Math.max(0, region.x - margin);
  const y = Math.max(0, region.y - margin);
  return {
    x,
    y,
    width: Math.min(width, region.x + region.width + margin) - x,
    height: Math.min(height, region.y + region.height + margin) - y,
  };
}

/** The smallest rectangle holding every given one; undefined for none (empty rectangles count as none). */
export function uniteRegions(regions: readonly (PixelRegion | undefined)[]): PixelRegion | undefined {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const r of regions) {
    if (r === undefined || r.width <= 0 || r.height <= 0) continue;
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.width);
    y1 = Math.max(y1, r.y + r.height);
  }
  return x1 < x0 ? undefined : { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The tiles that hold at least one Gaussian, as a pixel rectangle clipped to the image: the rasteriser writes only
 * the background anywhere else. Undefined when every tile is empty.
 */
export function renderedRegion(bins: TileBins, width: number, height: number): PixelRegion | undefined {
  let tx0 = bins.tilesX;
  let ty0 = bins.tilesY;
  let tx1 = -1;
  let ty1 = -1;
  for (let ty = 0; ty < bins.tilesY; ty++)
    for (let tx = 0; tx < bins.tilesX; tx++) {
      const t = ty * bins.tilesX + tx;
      if (bins.ranges[t + 1] === bins.ranges[t]) continue;
      tx0 = Math.min(tx0, tx);
      tx1 = Math.max(tx1, tx);
      ty0 = Math.min(ty0, ty);
      ty1 = Math.max(ty1, ty);
    }
  if (tx1 < 0) return undefined;
  const s = bins.tileSize;
  return {
    x: tx0 * s,
    y: ty0 * s,
    width: Math.min(width, (tx1 + 1) * s) - tx0 * s,
    height: Math.min(height, (ty1 + 1) * s) - ty0 * s,
  };
}

/** The bounding rectangle of a mask's non-zero pixels (H x W, row-major); undefined when it has none. */
export function maskRegion(mask: ArrayLike<number>, width: number, height: number): PixelRegion | undefined {
  if (mask.length !== width * height)
    throw new RangeError(`maskRegion: mask has ${mask.length} values, expected ${width}x${height}`);
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y0 === height) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** The planar channels x region.height x region.width copy of a region of a planar image (or mask), of its type. */
export function cropPlanes<T extends PlanarImage | Uint8Array>(
  image: T,
  channels: number,
  width: number,
  height: number,
  region: PixelRegion,
): T {
  const size = channels * region.width * region.height;
  const out = new (image.constructor as new (length: number) => T)(size);
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < region.height; y++) {
      const src = (c * height + region.y + y) * width + region.x;
      out.set(image.subarray(src, src + region.width), (c * region.height + y) * region.width);
    }
  return out;
}

/** Writes a planar crop (cropPlanes' layout) back into its region of a planar width x height image. */
export function placePlanes(
  crop: PlanarImage,
  channels: number,
  width: number,
  height: number,
  region: PixelRegion,
  into: Float32Array,
  scale = 1,
): void {
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < region.height; y++) {
      const src = (c * region.height + y) * region.width;
      const dst = (c * height + region.y + y) * width + region.x;
      if (scale === 1) into.set(crop.subarray(src, src + region.width), dst);
      else for (let x = 0; x < region.width; x++) into[dst + x] = scale * crop[src + x];
    }
}
