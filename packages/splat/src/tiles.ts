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

/**
 * Lists, per 16x16 tile, the Gaussians whose rectangle covers it, front to back (by depth, ties by index), as CSR.
 * Culled Gaussians (radius 0) are in no list.
 */
export function binGaussians(projected: BinnableGaussians, width: number, height: number): TileBins {
  const { tilesX, tilesY } = tileGrid(width, height);
  const tileCount = tilesX * tilesY;
  const { count, meanX, meanY, depth, radius } = projected;
  const rect: TileRect = { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  const ranges = new Uint32Array(tileCount + 1);
  for (let i = 0; i < count; i++) {
    if (radius[i] <= 0) continue;
    tileRect(meanX[i], meanY[i], radius[i], tilesX, tilesY, rect);
    for (let ty = rect.minY; ty < rect.maxY; ty++)
      for (let tx = rect.minX; tx < rect.maxX; tx++) ranges[ty * tilesX + tx + 1]++;
  }
  for (let t = 0; t < tileCount; t++) ranges[t + 1] += ranges[t];
  const order = new Uint32Array(ranges[tileCount]);
  const fill = ranges.slice(0, tileCount);
  // Filled in index order, so a sort on (depth, index) is also what a stable sort by depth would give.
  for (let i = 0; i < count; i++) {
    if (radius[i] <= 0) continue;
    tileRect(meanX[i], meanY[i], radius[i], tilesX, tilesY, rect);
    for (let ty = rect.minY; ty < rect.maxY; ty++)
      for (let tx = rect.minX; tx < rect.maxX; tx++) order[fill[ty * tilesX + tx]++] = i;
  }
  const byDepth = (a: number, b: number) => depth[a] - depth[b] || a - b;
  for (let t = 0; t < tileCount; t++) {
    if (ranges[t + 1] - ranges[t] > 1) order.subarray(ranges[t], ranges[t + 1]).sort(byDepth);
  }
  return { tileSize: TILE_SIZE, tilesX, tilesY, ranges, order };
}
