/** A set of 3D points, 3 numbers per point (x, y, z), metres. */
export type PointSet = Float32Array | Float64Array;

/** The number of points in `points`, after checking that it holds whole, finite 3-vectors. */
export function pointCount(points: PointSet, name: string, caller: string): number {
  if (points.length % 3 !== 0)
    throw new RangeError(`${caller}: ${name} must hold 3 numbers per point, got length ${points.length}`);
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i]))
      throw new RangeError(`${caller}: ${name}[${i}] must be finite, got ${points[i]}`);
  }
  return points.length / 3;
}

/** Euclidean distance between point i of a and point j of b. */
export function pointDistance(a: PointSet, i: number, b: PointSet, j: number): number {
  const dx = a[3 * i] - b[3 * j];
  const dy = a[3 * i + 1] - b[3 * j + 1];
  const dz = a[3 * i + 2] - b[3 * j + 2];
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}
