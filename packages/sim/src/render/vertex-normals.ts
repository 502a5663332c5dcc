import type { TexturedMesh } from './mesh.js';

/**
 * Per-vertex unit normals: the sum of the adjacent faces' cross products (so each face counts with its area),
 * normalised. Smoothing follows the mesh's indexing: vertices a mesh duplicates (a cylinder's rim shared by the
 * side and a cap) keep separate normals, which is how a mesh asks for a hard edge. A vertex touched only by
 * degenerate faces gets a zero normal, which shades as ambient only.
 */
export function computeVertexNormals(mesh: Pick<TexturedMesh, 'positions' | 'triangles'>): Float32Array {
  const p = mesh.positions;
  const tri = mesh.triangles;
  const acc = new Float64Array(p.length);
  for (let t = 0; t < tri.length; t += 3) {
    const a = tri[t] * 3;
    const b = tri[t + 1] * 3;
    const c = tri[t + 2] * 3;
    const e1x = p[b] - p[a];
    const e1y = p[b + 1] - p[a + 1];
    const e1z = p[b + 2] - p[a + 2];
    const e2x = p[c] - p[a];
    const e2y = p[c + 1] - p[a + 1];
    const e2z = p[c + 2] - p[a + 2];
    const nx = e1y * e2z - e1z * e2y;
    const ny = e1z * e2x - e1x * e2z;
    const nz = e1x * e2y - e1y * e2x;
    acc[a] += nx;
    acc[a + 1] += ny;
    acc[a + 2] += nz;
    acc[b] += nx;
    acc[b + 1] += ny;
    acc[b + 2] += nz;
    acc[c] += nx;
    acc[c + 1] += ny;
    acc[c + 2] += nz;
  }
  const out = new Float32Array(p.length);
  for (let v = 0; v < p.length; v += 3) {
    const len = Math.hypot(acc[v], acc[v + 1], acc[v + 2]);
    if (len > 0) {
      out[v] = acc[v] / len;
      out[v + 1] = acc[v + 1] / len;
      out[v + 2] = acc[v + 2] / len;
    }
  }
  return out;
}
