/**
 * Farthest point sampling over 3D points (3 values per point), the two variants of the reference
 * (reference-implementation.md 2.5 and 4.1):
 *
 * - `farthestPointSampling`: a fixed number of points, as DGL's `farthest_point_sampler`: start at `start`, then
 *   repeatedly take the point farthest from the chosen set.
 * - `radiusFarthestPointSampling`: as `fps_rad_idx` of gs-dynamics: keep adding the farthest point while some point
 *   lies farther than `radius` from the chosen set, so that afterwards every point is within `radius` of it.
 *
 * Ties go to the lowest index (numpy's and DGL's argmax take the first maximum). Distances are computed in float64.
 */

/** Indices of `count` points chosen by farthest point sampling from point `start`, in the order chosen. */
export function farthestPointSampling(points: ArrayLike<number>, count: number, start: number): Uint32Array {
  const n = pointCount(points, 'farthestPointSampling');
  if (!Number.isInteger(count) || count < 0 || count > n)
    throw new RangeError(`farthestPointSampling: count must be an integer in [0, ${n}], got ${count}`);
  checkStart(start, n, 'farthestPointSampling');
  const chosen = new Uint32Array(count);
  if (count === 0) return chosen;
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  let next = start;
  for (let j = 0; j < count; j++) {
    chosen[j] = next;
    next = relax(points, nearest, next);
  }
  return chosen;
}

/**
 * Indices chosen by radius farthest point sampling from `start`: at least one point; stops as soon as every point
 * lies within `radius` (inclusive) of a chosen one.
 */
export function radiusFarthestPointSampling(
  points: ArrayLike<number>,
  radius: number,
  start: number,
): Uint32Array {
  const n = pointCount(points, 'radiusFarthestPointSampling');
  if (n === 0) throw new RangeError('radiusFarthestPointSampling: no points');
  if (!(radius >= 0) || !Number.isFinite(radius))
    throw new RangeError(`radiusFarthestPointSampling: radius must be a finite number >= 0, got ${radius}`);
  checkStart(start, n, 'radiusFarthestPointSampling');
  const radius2 = radius * radius;
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const chosen: number[] = [start];
  let next = relax(points, nearest, start);
  while (nearest[next] > radius2) {
    chosen.push(next);
    next = relax(points, nearest, next);
  }
  return Uint32Array.from(chosen);
}

/**
 * Lowers each point's squared distance to the chosen set by the new member `added`; returns the index of the
 * farthest point afterwards (first one on ties).
 */
function relax(points: ArrayLike<number>, nearest: Float64Array, added: number): number {
  const ax = points[3 * added];
  const ay = points[3 * added + 1];
  const az = points[3 * added + 2];
  let best = 0;
  let bestD = -1;
  for (let i = 0; i < nearest.length; i++) {
    const dx = points[3 * i] - ax;
    const dy = points[3 * i + 1] - ay;
    const dz = points[3 * i + 2] - az;
    const d = dx * dx + dy * dy + dz * dz;
    if (d < nearest[i]) nearest[i] = d;
    if (nearest[i] > bestD) {
      bestD = nearest[i];
      best = i;
    }
  }
  return best;
}

function pointCount(points: ArrayLike<number>, what: string): number {
  if (points.length % 3 !== 0)
    throw new RangeError(`${what}: points has ${points.length} values, expected 3 per point`);
  return points.length / 3;
}

function checkStart(start: number, n: number, what: string): void {
  if (!Number.isInteger(start) || start < 0 || start >= n)
    throw new RangeError(`${what}: start must be a point index in [0, ${n - 1}], got ${start}`);
}
