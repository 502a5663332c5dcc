import { type Random, rayTriangleIntersection, triangleNormal } from '@gsdyn/geometry';
import { evaluateSurfacePoints, type SurfaceBinding, sampleSurfacePoints } from './simulate.js';

/**
 * Samples `count` ground-truth points on the outside of a surface mesh: area-weighted on its triangles, like
 * `sampleSurfacePoints`, but without the points that lie inside the object. A plush toy's skin is a union of
 * overlapping blob surfaces, and the parts of one blob's skin that lie inside another (a leg inside the body) are
 * not surface at all: nothing can ever see them, yet a depth test with a few millimetres of tolerance would.
 */
export function sampleExteriorSurfacePoints(
  triangles: Uint32Array,
  vertices: Float32Array,
  count: number,
  rng: Random,
): SurfaceBinding {
  const triangle = new Uint32Array(count);
  const bary = new Float32Array(3 * count);
  let kept = 0;
  for (let round = 0; round < 8 && kept < count; round++) {
    const batch = sampleSurfacePoints(triangles, vertices, 2 * (count - kept), rng);
    const positions = evaluateSurfacePoints(batch, triangles, vertices);
    for (let i = 0; i < batch.triangle.length && kept < count; i++) {
      if (isInside(positions, i, batch.triangle[i], triangles, vertices)) continue;
      triangle[kept] = batch.triangle[i];
      bary.set(batch.bary.subarray(3 * i, 3 * i + 3), 3 * kept);
      kept++;
    }
  }
  if (kept < count)
    throw new Error(`sampleExteriorSurfacePoints: only ${kept} of ${count} points lie outside the mesh`);
  return { triangle, bary };
}

/**
 * Whether surface point i (on triangle `own`) lies inside the union of closed surfaces: a ray from just outside
 * it along its triangle's outward normal crosses the other surfaces an odd number of times.
 */
function isInside(
  positions: Float32Array,
  i: number,
  own: number,
  triangles: Uint32Array,
  vertices: Float32Array,
): boolean {
  const n = triangleNormal(
    vertices,
    3 * triangles[3 * own],
    3 * triangles[3 * own + 1],
    3 * triangles[3 * own + 2],
  );
  const length = Math.hypot(n[0], n[1], n[2]);
  if (length === 0) return false;
  const dir = [n[0] / length, n[1] / length, n[2] / length];
  // Start 0.1 mm outside the own surface so that the own triangle and its neighbours are not counted.
  const origin = [0, 1, 2].map((k) => positions[3 * i + k] + 1e-4 * dir[k]);
  let crossings = 0;
  for (let t = 0; t < triangles.length; t += 3) {
    if (t / 3 === own) continue;
    if (
      rayTriangleIntersection(
        origin,
        dir,
        vertices,
        3 * triangles[t],
        3 * triangles[t + 1],
        3 * triangles[t + 2],
      ) >= 0
    )
      crossings++;
  }
  return crossings % 2 === 1;
}
