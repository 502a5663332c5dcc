import { type Random, triangleNormal } from '@gsdyn/geometry';

/** Points fixed on a surface mesh for the whole episode: a triangle and barycentric weights per point. */
export interface SurfaceBinding {
  triangle: Uint32Array;
  /** 3 per point, summing to 1. */
  bary: Float32Array;
}

/**
 * Samples `count` points uniformly by area on the mesh (triangles: 3 indices each; vertices: 3 per vertex):
 * the triangle by its share of the total area, the point uniformly inside it (square-root warping).
 */
export function sampleSurfacePoints(
  triangles: Uint32Array,
  vertices: Float32Array,
  count: number,
  rng: Random,
): SurfaceBinding {
  const triangleCount = triangles.length / 3;
  if (!Number.isInteger(triangleCount) || triangleCount === 0) {
    throw new RangeError(
      `sampleSurfacePoints: triangles must hold 3 indices per triangle, got ${triangles.length}`,
    );
  }
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`sampleSurfacePoints: count must be a non-negative integer, got ${count}`);
  }
  const cumulative = new Float64Array(triangleCount);
  let total = 0;
  for (let t = 0; t < triangleCount; t++) {
    total += triangleArea(triangles, vertices, t);
    cumulative[t] = total;
  }
  if (!(total > 0)) throw new RangeError('sampleSurfacePoints: the mesh has zero area');
  const triangle = new Uint32Array(count);
  const bary = new Float32Array(3 * count);
  for (let k = 0; k < count; k++) {
    const target = rng.next() * total;
    let lo = 0;
    let hi = triangleCount - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    const s = Math.sqrt(rng.next());
    const r = rng.next();
    triangle[k] = lo;
    bary[3 * k] = 1 - s;
    bary[3 * k + 1] = s * (1 - r);
    bary[3 * k + 2] = s * r;
  }
  return { triangle, bary };
}

/** The bound points on the mesh with these vertices (3 per point); writes into `out` when given. */
export function evaluateSurfacePoints(
  binding: SurfaceBinding,
  triangles: Uint32Array,
  vertices: Float32Array,
  out?: Float32Array,
): Float32Array {
  const count = binding.triangle.length;
  const result = out ?? new Float32Array(3 * count);
  if (result.length !== 3 * count) {
    throw new RangeError(`evaluateSurfacePoints: out has length ${result.length}, expected ${3 * count}`);
  }
  for (let k = 0; k < count; k++) {
    const t = 3 * binding.triangle[k];
    const a = 3 * triangles[t];
    const b = 3 * triangles[t + 1];
    const c = 3 * triangles[t + 2];
    const wa = binding.bary[3 * k];
    const wb = binding.bary[3 * k + 1];
    const wc = binding.bary[3 * k + 2];
    for (let i = 0; i < 3; i++)
      result[3 * k + i] = wa * vertices[a + i] + wb * vertices[b + i] + wc * vertices[c + i];
  }
  return result;
}

function triangleArea(triangles: Uint32Array, v: Float32Array, t: number): number {
  const n = triangleNormal(v, 3 * triangles[3 * t], 3 * triangles[3 * t + 1], 3 * triangles[3 * t + 2]);
  return 0.5 * Math.hypot(n[0], n[1], n[2]);
}
