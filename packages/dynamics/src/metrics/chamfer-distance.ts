import { type PointSet, pointCount, pointDistance } from './point-sets.js';

/**
 * Symmetric Chamfer distance as the reference evaluation computes it (reference-implementation.md 8): the mean
 * over a of the distance to the nearest point of b, plus the mean over b of the distance to the nearest point of
 * a. Euclidean distances, not squared, so the result is in metres. O(|a| |b|): the particle sets are at most a
 * few hundred points, where a brute-force scan is faster than building a tree.
 */
export function chamferDistance(a: PointSet, b: PointSet): number {
  const n = pointCount(a, 'a', 'chamferDistance');
  const m = pointCount(b, 'b', 'chamferDistance');
  if (n === 0 || m === 0)
    throw new RangeError(`chamferDistance: both sets need at least one point, got ${n} and ${m}`);
  const nearestToB = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
  let sumA = 0;
  for (let i = 0; i < n; i++) {
    let nearest = Number.POSITIVE_INFINITY;
    for (let j = 0; j < m; j++) {
      const d = pointDistance(a, i, b, j);
      if (d < nearest) nearest = d;
      if (d < nearestToB[j]) nearestToB[j] = d;
    }
    sumA += nearest;
  }
  let sumB = 0;
  for (let j = 0; j < m; j++) sumB += nearestToB[j];
  return sumA / n + sumB / m;
}
