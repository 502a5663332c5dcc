import { TILE_SIZE, type TileBins } from './types.js';

/** Half-open tile rectangle [minX, maxX) x [minY, maxY), in tile units. */
export interface TileRect {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function tileGrid(width: number, height: number): { tilesX: number; tilesY: number } {
  return { tilesX: Math.ceil(width / TILE_SIZE), tilesY: Math.ceil(height / TILE_SIZE) };
}

/**
 * The tiles touched by the square of half-side `radius` around (meanX, meanY): 3DGS's getRect, including its C
 * integer casts (truncation towards zero; negative values clamp to 0 anyway). Empty when the square misses the grid.
 */
export function tileRect(
  meanX: number,
  meanY: number,
  radius: number,
  tilesX: number,
  tilesY: number,
  out: TileRect,
): TileRect {
  out.minX = Math.min(tilesX, Math.max(0, Math.trunc((meanX - radius) / TILE_SIZE)));
  out.minY = Math.min(tilesY, Math.max(0, Math.trunc((meanY - radius) / TILE_SIZE)));
  out.maxX = Math.min(tilesX, Math.max(0, Math.trunc((meanX + radius + TILE_SIZE - 1) / TILE_SIZE)));
  out.maxY = Math.min(tilesY, Math.max(0, Math.trunc((meanY + radius + TILE_SIZE - 1) / TILE_SIZE)));
  return out;
}

/** What binning reads of a projection (any float precision). */
export interface BinnableGaussians {
  count: number;
  meanX: ArrayLike<number>;
  meanY: ArrayLike<number>;
  depth: ArrayLike<number>;
  radius: Int32Array;
}

/** Radix digits of the depth sort: 11 bits, three passes over a 32-bit key, histograms of 2048 counts. */
const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
const RADIX_MASK = RADIX - 1;

/**
 * Lists, per 16x16 tile, the Gaussians whose rectangle covers it, front to back (by depth, ties by index), as CSR.
 * Culled Gaussians (radius 0) are in no list.
 *
 * The Gaussians that touch a tile are sorted once, globally, by (depth, index), and the tiles filled in that
 * order, so every list comes out sorted without a sort per tile. Float32 depths (the pipeline's) are sorted by a
 * stable radix sort of their bits; other depth arrays by a comparator. NaN depths have no place in a
 * (depth, index) order: the radix sort puts them last.
 */
export function binGaussians(projected: BinnableGaussians, width: number, height: number): TileBins {
  const { tilesX, tilesY } = tileGrid(width, height);
  const tileCount = tilesX * tilesY;
  const { count, meanX, meanY, depth, radius } = projected;
  const rect: TileRect = { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  // The Gaussians that touch at least one tile, in index order, and their rectangles (4 per Gaussian).
  const listed = new Uint32Array(count);
  const rects = new Int32Array(4 * count);
  // Per-tile counts as a 2D difference array over (tilesY + 1) x (tilesX + 1): four updates per Gaussian.
  const stride = tilesX + 1;
  const diff = new Int32Array(stride * (tilesY + 1));
  let n = 0;
  for (let i = 0; i < count; i++) {
    if (radius[i] <= 0) continue;
    tileRect(meanX[i], meanY[i], radius[i], tilesX, tilesY, rect);
    const { minX, minY, maxX, maxY } = rect;
    if (!(maxX > minX && maxY > minY)) continue;
    listed[n] = i;
    rects[4 * n] = minX;
    rects[4 * n + 1] = minY;
    rects[4 * n + 2] = maxX;
    rects[4 * n + 3] = maxY;
    n++;
    diff[minY * stride + minX]++;
    diff[minY * stride + maxX]--;
    diff[maxY * stride + minX]--;
    diff[maxY * stride + maxX]++;
  }
  const ranges = new Uint32Array(tileCount + 1);
  for (let ty = 0; ty < tilesY; ty++) {
    let row = 0;
    for (let tx = 0; tx < tilesX; tx++) {
      // Running sum along the row, then add the (already summed) row above.
      row += diff[ty * stride + tx];
      if (ty > 0) diff[ty * stride + tx] = row + diff[(ty - 1) * stride + tx];
      else diff[tx] = row;
      const t = ty * tilesX + tx;
      ranges[t + 1] = ranges[t] + diff[ty * stride + tx];
    }
  }
  const slots =
    depth instanceof Float32Array
      ? radixSortByDepth(listed, n, depth)
      : comparatorSortByDepth(listed, n, depth);
  const order = new Uint32Array(ranges[tileCount]);
  const fill = ranges.slice(0, tileCount);
  for (let k = 0; k < n; k++) {
    const j = slots[k];
    const i = listed[j];
    const maxX = rects[4 * j + 2];
    const maxY = rects[4 * j + 3];
    for (let ty = rects[4 * j + 1]; ty < maxY; ty++)
      for (let tx = rects[4 * j]; tx < maxX; tx++) order[fill[ty * tilesX + tx]++] = i;
  }
  return { tileSize: TILE_SIZE, tilesX, tilesY, ranges, order };
}

/**
 * Slots 0..n-1 of `listed` (Gaussian indices, increasing) ordered by the depth of their Gaussian, ties by slot,
 * hence by index: an LSD radix sort (stable) of the depth bits mapped to unsigned integers that order like the
 * floats (negative: all bits flipped; positive: sign bit set; -0 as +0, which the comparator ties; NaN last).
 */
function radixSortByDepth(listed: Uint32Array, n: number, depth: Float32Array): Uint32Array {
  const bits = new Uint32Array(depth.buffer, depth.byteOffset, depth.length);
  let keys = new Uint32Array(n);
  let slots = new Uint32Array(n);
  const histogram = new Uint32Array(3 * RADIX);
  for (let j = 0; j < n; j++) {
    const i = listed[j];
    const d = depth[i];
    let key: number;
    if (Number.isNaN(d)) key = 0xffffffff;
    else if (d === 0) key = 0x80000000;
    else {
      const b = bits[i];
      key = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    }
    keys[j] = key;
    slots[j] = j;
    histogram[key & RADIX_MASK]++;
    histogram[RADIX + ((key >>> RADIX_BITS) & RADIX_MASK)]++;
    histogram[2 * RADIX + (key >>> (2 * RADIX_BITS))]++;
  }
  let keysOut = new Uint32Array(n);
  let slotsOut = new Uint32Array(n);
  for (let pass = 0; pass < 3; pass++) {
    const base = pass * RADIX;
    const shift = pass * RADIX_BITS;
    // A digit every key shares leaves the order as it is.
    let skip = false;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = histogram[base + d];
      if (c === n) skip = true;
      histogram[base + d] = sum;
      sum += c;
    }
    if (skip) continue;
    for (let j = 0; j < n; j++) {
      const key = keys[j];
      const at = histogram[base + ((key >>> shift) & RADIX_MASK)]++;
      keysOut[at] = key;
      slotsOut[at] = slots[j];
    }
    const k = keys;
    keys = keysOut;
    keysOut = k;
    const sl = slots;
    slots = slotsOut;
    slotsOut = sl;
  }
  return slots;
}

/** The same order for depth arrays of other types (float64 in the finite-difference tests): one comparator sort. */
function comparatorSortByDepth(listed: Uint32Array, n: number, depth: ArrayLike<number>): Uint32Array {
  const slots = new Uint32Array(n);
  for (let j = 0; j < n; j++) slots[j] = j;
  return slots.sort((a, b) => depth[listed[a]] - depth[listed[b]] || a - b);
}
