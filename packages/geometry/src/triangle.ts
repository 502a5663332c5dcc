/**
 * Closest point on triangle (a, b, c) to p, by the Voronoi-region walk of Ericson, "Real-Time Collision
 * Detection" 5.1.5. Points are read from flat arrays at the given offsets so callers can pass mesh buffers.
 * Returns the squared distance.
 */
export function pointTriangleDistanceSquared(
  p: ArrayLike<number>,
  po: number,
  v: ArrayLike<number>,
  ia: number,
  ib: number,
  ic: number,
): number {
  const ax = v[ia],
    ay = v[ia + 1],
    az = v[ia + 2];
  const abx = v[ib] - ax,
    aby = v[ib + 1] - ay,
    abz = v[ib + 2] - az;
  const acx = v[ic] - ax,
    acy = v[ic + 1] - ay,
    acz = v[ic + 2] - az;
  const apx = p[po] - ax,
    apy = p[po + 1] - ay,
    apz = p[po + 2] - az;
  const d1 = abx * apx + aby * apy + abz * apz;
  const d2 = acx * apx + acy * apy + acz * apz;
  const closest = (s: number, t: number) => {
    const qx = ax + s * abx + t * acx - p[po];
    const qy = ay + s * aby + t * acy - p[po + 1];
    const qz = az + s * abz + t * acz - p[po + 2];
    return qx * qx + qy * qy + qz * qz;
  };
  if (d1 <= 0 && d2 <= 0) return closest(0, 0);
  const bpx = p[po] - v[ib],
    bpy = p[po + 1] - v[ib + 1],
    bpz = p[po + 2] - v[ib + 2];
  const d3 = abx * bpx + aby * bpy + abz * bpz;
  const d4 = acx * bpx + acy * bpy + acz * bpz;
  if (d3 >= 0 && d4 <= d3) return closest(1, 0);
  const vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) return closest(d1 / (d1 - d3), 0);
  const cpx = p[po] - v[ic],
    cpy = p[po + 1] - v[ic + 1],
    cpz = p[po + 2] - v[ic + 2];
  const d5 = abx * cpx + aby * cpy + abz * cpz;
  const d6 = acx * cpx + acy * cpy + acz * cpz;
  if (d6 >= 0 && d5 <= d6) return closest(0, 1);
  const vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) return closest(0, d2 / (d2 - d6));
  const va = d3 * d6 - d5 * d4;
  if (va <= 0 && d4 - d3 >= 0 && d5 - d6 >= 0) {
    const w = (d4 - d3) / (d4 - d3 + (d5 - d6));
    return closest(1 - w, w);
  }
  const denom = 1 / (va + vb + vc);
  return closest(vb * denom, vc * denom);
}

/** Distance from point p (3 numbers) to the nearest triangle of a mesh; brute force, for tests and small meshes. */
export function pointMeshDistance(
  p: ArrayLike<number>,
  vertices: ArrayLike<number>,
  triangles: ArrayLike<number>,
): number {
  let best = Number.POSITIVE_INFINITY;
  for (let t = 0; t < triangles.length; t += 3) {
    const d = pointTriangleDistanceSquared(
      p,
      0,
      vertices,
      3 * triangles[t],
      3 * triangles[t + 1],
      3 * triangles[t + 2],
    );
    if (d < best) best = d;
  }
  return Math.sqrt(best);
}

/**
 * Distance along the ray origin + t * direction at which it crosses triangle (a, b, c), or -1 when it misses
 * (Moller-Trumbore; both faces count). `direction` need not be normalised: t is in its units.
 */
export function rayTriangleIntersection(
  origin: ArrayLike<number>,
  direction: ArrayLike<number>,
  v: ArrayLike<number>,
  ia: number,
  ib: number,
  ic: number,
): number {
  const e1x = v[ib] - v[ia];
  const e1y = v[ib + 1] - v[ia + 1];
  const e1z = v[ib + 2] - v[ia + 2];
  const e2x = v[ic] - v[ia];
  const e2y = v[ic + 1] - v[ia + 1];
  const e2z = v[ic + 2] - v[ia + 2];
  const px = direction[1] * e2z - direction[2] * e2y;
  const py = direction[2] * e2x - direction[0] * e2z;
  const pz = direction[0] * e2y - direction[1] * e2x;
  const det = e1x * px + e1y * py + e1z * pz;
  if (Math.abs(det) < 1e-14) return -1;
  const inv = 1 / det;
  const sx = origin[0] - v[ia];
  const sy = origin[1] - v[ia + 1];
  const sz = origin[2] - v[ia + 2];
  const a = (sx * px + sy * py + sz * pz) * inv;
  if (a < 0 || a > 1) return -1;
  const qx = sy * e1z - sz * e1y;
  const qy = sz * e1x - sx * e1z;
  const qz = sx * e1y - sy * e1x;
  const b = (direction[0] * qx + direction[1] * qy + direction[2] * qz) * inv;
  if (b < 0 || a + b > 1) return -1;
  const t = (e2x * qx + e2y * qy + e2z * qz) * inv;
  return t >= 0 ? t : -1;
}

/** Index (in triangles) of the mesh triangle nearest to p, and its distance. */
export function closestTriangle(
  p: ArrayLike<number>,
  vertices: ArrayLike<number>,
  triangles: ArrayLike<number>,
): { triangle: number; distance: number } {
  let best = Number.POSITIVE_INFINITY;
  let triangle = -1;
  for (let t = 0; t < triangles.length; t += 3) {
    const d = pointTriangleDistanceSquared(
      p,
      0,
      vertices,
      3 * triangles[t],
      3 * triangles[t + 1],
      3 * triangles[t + 2],
    );
    if (d < best) {
      best = d;
      triangle = t / 3;
    }
  }
  return { triangle, distance: Math.sqrt(best) };
}

/**
 * (b - a) x (c - a) for the triangle whose vertices start at offsets ia, ib, ic of a flat array: the normal of the
 * counter-clockwise front face, with length twice the triangle's area.
 */
export function triangleNormal(
  v: ArrayLike<number>,
  ia: number,
  ib: number,
  ic: number,
): [number, number, number] {
  const ux = v[ib] - v[ia];
  const uy = v[ib + 1] - v[ia + 1];
  const uz = v[ib + 2] - v[ia + 2];
  const wx = v[ic] - v[ia];
  const wy = v[ic + 1] - v[ia + 1];
  const wz = v[ic + 2] - v[ia + 2];
  return [uy * wz - uz * wy, uz * wx - ux * wz, ux * wy - uy * wx];
}
