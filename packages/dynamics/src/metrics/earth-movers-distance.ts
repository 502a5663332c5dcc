import { linearAssignment } from './linear-assignment.js';
import { type PointSet, pointCount, pointDistance } from './point-sets.js';

export interface EarthMoversMatch {
  /** Mean Euclidean distance over the matched pairs, metres. */
  distance: number;
  /** For every point of a, the index of its partner in b, or -1 when a has more points than b. */
  aToB: Int32Array;
}

/**
 * Exact Earth Mover's distance between two point sets with uniform weights, as the reference evaluation computes
 * it (reference-implementation.md 8): the optimal one-to-one assignment on the Euclidean cost matrix, then the
 * mean matched distance. With unequal sizes min(|a|, |b|) pairs are matched and the extra points are ignored.
 */
export function earthMoversMatch(a: PointSet, b: PointSet): EarthMoversMatch {
  const n = pointCount(a, 'a', 'earthMoversDistance');
  const m = pointCount(b, 'b', 'earthMoversDistance');
  if (n === 0 || m === 0)
    throw new RangeError(`earthMoversDistance: both sets need at least one point, got ${n} and ${m}`);
  const cost = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) cost[i * m + j] = pointDistance(a, i, b, j);
  const aToB = linearAssignment(cost, n, m);
  let total = 0;
  for (let i = 0; i < n; i++) if (aToB[i] >= 0) total += cost[i * m + aToB[i]];
  return { distance: total / Math.min(n, m), aToB };
}

/** The Earth Mover's distance of earthMoversMatch, metres. */
export function earthMoversDistance(a: PointSet, b: PointSet): number {
  return earthMoversMatch(a, b).distance;
}
