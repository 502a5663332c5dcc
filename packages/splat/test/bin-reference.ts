// The binning as it was before binGaussians sorted once globally (fill each tile's list in index order, then sort
// every list with a (depth, index) comparator): the oracle the fast path must reproduce bit for bit, and the
// "before" of the render-cpu benchmark.
import { type BinnableGaussians, type TileRect, tileGrid, tileRect } from '../src/tiles.js';
import { TILE_SIZE, type TileBins } from '../src/types.js';

export function binGaussiansReference(projected: BinnableGaussians, width: number, height: number): TileBins {
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
