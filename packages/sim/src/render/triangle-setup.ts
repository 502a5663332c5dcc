import type { PinholeCamera } from '@gsdyn/geometry';
import type { TexturedMesh } from './mesh.js';
import { computeVertexNormals } from './vertex-normals.js';

/** Floats per screen-space vertex: u, v (pixels), w = 1/z, s*w, t*w (texture), shade*w. */
export const VERTEX_STRIDE = 6;
export const TRIANGLE_STRIDE = 3 * VERTEX_STRIDE;

/**
 * The scene's triangles after culling and near-plane clipping, projected to pixel coordinates and wound so that
 * their screen-space signed area (u right, v down) is positive. Attributes are premultiplied by w = 1/z because
 * a/z and 1/z are affine in screen space: that is what makes interpolation perspective-correct.
 */
export interface ScreenTriangles {
  count: number;
  /** TRIANGLE_STRIDE floats per triangle. */
  vertices: Float64Array;
  /** Index of the source mesh. */
  mesh: Int32Array;
  /** 1 when the triangle is a back face (drawn with the mesh's backTexture). */
  back: Uint8Array;
}

export interface ShadingSetup {
  ambient: number;
  /** Unit world direction towards the light. */
  light: readonly [number, number, number];
  near: number;
}

class TriangleSink implements ScreenTriangles {
  count = 0;
  vertices = new Float64Array(TRIANGLE_STRIDE * 1024);
  mesh = new Int32Array(1024);
  back = new Uint8Array(1024);

  reserve(extra: number): void {
    const need = this.count + extra;
    if (need <= this.mesh.length) return;
    const cap = Math.max(need, this.mesh.length * 2);
    const vertices = new Float64Array(TRIANGLE_STRIDE * cap);
    vertices.set(this.vertices.subarray(0, this.count * TRIANGLE_STRIDE));
    const mesh = new Int32Array(cap);
    mesh.set(this.mesh.subarray(0, this.count));
    const back = new Uint8Array(cap);
    back.set(this.back.subarray(0, this.count));
    this.vertices = vertices;
    this.mesh = mesh;
    this.back = back;
  }
}

// Reused between calls: the renderer runs hundreds of times per episode and the triangle list is transient.
const sink = new TriangleSink();

/**
 * Transforms, shades (Gouraud: Lambert + ambient at the vertices from area-weighted vertex normals), culls and
 * clips every mesh. The returned object is scratch space owned by this module and valid until the next call.
 */
export function setupTriangles(
  meshes: readonly TexturedMesh[],
  camera: PinholeCamera,
  shading: ShadingSetup,
): ScreenTriangles {
  sink.count = 0;
  const m = camera.worldToCamera;
  const { fx, fy, cx, cy } = camera;
  const { ambient, light, near } = shading;
  const diffuse = 1 - ambient;
  // Clip polygon scratch: up to 4 vertices x (x, y, z, s, t, shade).
  const poly = new Float64Array(4 * 6);
  const screen = new Float64Array(4 * VERTEX_STRIDE);

  for (let mi = 0; mi < meshes.length; mi++) {
    const mesh = meshes[mi];
    const p = mesh.positions;
    const uv = mesh.uvs;
    const tri = mesh.triangles;
    const n = p.length / 3;
    const twoSided = mesh.backTexture !== undefined;
    const normals = computeVertexNormals(mesh);

    // Camera-space positions, projections and the two one-sided shades of every vertex.
    const cam = new Float64Array(3 * n);
    const proj = new Float64Array(3 * n);
    const shadeFront = new Float64Array(n);
    const shadeBack = new Float64Array(n);
    for (let v = 0; v < n; v++) {
      const px = p[3 * v];
      const py = p[3 * v + 1];
      const pz = p[3 * v + 2];
      // Same expression order as `project` in @gsdyn/geometry, so pixels land bit-for-bit where it says.
      const x = m[0] * px + m[1] * py + m[2] * pz + m[3];
      const y = m[4] * px + m[5] * py + m[6] * pz + m[7];
      const z = m[8] * px + m[9] * py + m[10] * pz + m[11];
      cam[3 * v] = x;
      cam[3 * v + 1] = y;
      cam[3 * v + 2] = z;
      proj[3 * v] = (fx * x) / z + cx;
      proj[3 * v + 1] = (fy * y) / z + cy;
      proj[3 * v + 2] = 1 / z;
      const ndl = normals[3 * v] * light[0] + normals[3 * v + 1] * light[1] + normals[3 * v + 2] * light[2];
      shadeFront[v] = ambient + diffuse * Math.max(0, ndl);
      shadeBack[v] = ambient + diffuse * Math.max(0, -ndl);
    }

    sink.reserve(2 * (tri.length / 3));
    for (let t = 0; t < tri.length; t += 3) {
      const i0 = tri[t];
      const i1 = tri[t + 1];
      const i2 = tri[t + 2];
      const z0 = cam[3 * i0 + 2];
      const z1 = cam[3 * i1 + 2];
      const z2 = cam[3 * i2 + 2];
      if (z0 < near && z1 < near && z2 < near) continue;
      // Facing from the camera-space plane, valid whether or not the triangle gets clipped: the camera sits at
      // the origin, so the face is front-facing when its normal points against the ray to any of its vertices.
      const ax = cam[3 * i0];
      const ay = cam[3 * i0 + 1];
      const e1x = cam[3 * i1] - ax;
      const e1y = cam[3 * i1 + 1] - ay;
      const e1z = z1 - z0;
      const e2x = cam[3 * i2] - ax;
      const e2y = cam[3 * i2 + 1] - ay;
      const e2z = z2 - z0;
      const facing =
        ax * (e1y * e2z - e1z * e2y) + ay * (e1z * e2x - e1x * e2z) + z0 * (e1x * e2y - e1y * e2x);
      if (facing === 0) continue; // edge-on
      const back = facing > 0;
      if (back && !twoSided) continue;
      const shade = back ? shadeBack : shadeFront;

      if (z0 >= near && z1 >= near && z2 >= near) {
        const base = sink.count * TRIANGLE_STRIDE;
        // Front faces are clockwise on screen (v points down); reverse them so every triangle has positive area.
        const order1 = back ? i1 : i2;
        const order2 = back ? i2 : i1;
        writeVertex(sink.vertices, base, proj, uv, shade, i0);
        writeVertex(sink.vertices, base + VERTEX_STRIDE, proj, uv, shade, order1);
        writeVertex(sink.vertices, base + 2 * VERTEX_STRIDE, proj, uv, shade, order2);
        sink.mesh[sink.count] = mi;
        sink.back[sink.count] = back ? 1 : 0;
        sink.count++;
        continue;
      }

      // Sutherland-Hodgman against z = near. An intersection is always computed from the lower vertex index to
      // the higher one, so the neighbour sharing a clipped edge gets the identical point and no crack opens.
      let count = 0;
      const ids = [i0, i1, i2];
      for (let k = 0; k < 3; k++) {
        const a = ids[k];
        const b = ids[(k + 1) % 3];
        const za = cam[3 * a + 2];
        const zb = cam[3 * b + 2];
        if (za >= near) {
          loadCameraVertex(poly, count++, cam, uv, shade, a);
        }
        if (za >= near !== zb >= near) {
          const lo = Math.min(a, b);
          const hi = Math.max(a, b);
          const zl = cam[3 * lo + 2];
          const s = (near - zl) / (cam[3 * hi + 2] - zl);
          const o = count++ * 6;
          poly[o] = cam[3 * lo] + s * (cam[3 * hi] - cam[3 * lo]);
          poly[o + 1] = cam[3 * lo + 1] + s * (cam[3 * hi + 1] - cam[3 * lo + 1]);
          poly[o + 2] = near;
          poly[o + 3] = uv[2 * lo] + s * (uv[2 * hi] - uv[2 * lo]);
          poly[o + 4] = uv[2 * lo + 1] + s * (uv[2 * hi + 1] - uv[2 * lo + 1]);
          poly[o + 5] = shade[lo] + s * (shade[hi] - shade[lo]);
        }
      }
      for (let k = 0; k < count; k++) {
        const o = k * 6;
        const z = poly[o + 2];
        const w = 1 / z;
        const so = k * VERTEX_STRIDE;
        screen[so] = (fx * poly[o]) / z + cx;
        screen[so + 1] = (fy * poly[o + 1]) / z + cy;
        screen[so + 2] = w;
        screen[so + 3] = poly[o + 3] * w;
        screen[so + 4] = poly[o + 4] * w;
        screen[so + 5] = poly[o + 5] * w;
      }
      for (let k = 1; k + 1 < count; k++) {
        const base = sink.count * TRIANGLE_STRIDE;
        const k1 = back ? k : k + 1;
        const k2 = back ? k + 1 : k;
        sink.vertices.set(screen.subarray(0, VERTEX_STRIDE), base);
        sink.vertices.set(
          screen.subarray(k1 * VERTEX_STRIDE, (k1 + 1) * VERTEX_STRIDE),
          base + VERTEX_STRIDE,
        );
        sink.vertices.set(
          screen.subarray(k2 * VERTEX_STRIDE, (k2 + 1) * VERTEX_STRIDE),
          base + 2 * VERTEX_STRIDE,
        );
        sink.mesh[sink.count] = mi;
        sink.back[sink.count] = back ? 1 : 0;
        sink.count++;
      }
    }
  }
  return sink;
}

function writeVertex(
  out: Float64Array,
  o: number,
  proj: Float64Array,
  uv: Float32Array,
  shade: Float64Array,
  v: number,
): void {
  const w = proj[3 * v + 2];
  out[o] = proj[3 * v];
  out[o + 1] = proj[3 * v + 1];
  out[o + 2] = w;
  out[o + 3] = uv[2 * v] * w;
  out[o + 4] = uv[2 * v + 1] * w;
  out[o + 5] = shade[v] * w;
}

function loadCameraVertex(
  poly: Float64Array,
  k: number,
  cam: Float64Array,
  uv: Float32Array,
  shade: Float64Array,
  v: number,
): void {
  const o = k * 6;
  poly[o] = cam[3 * v];
  poly[o + 1] = cam[3 * v + 1];
  poly[o + 2] = cam[3 * v + 2];
  poly[o + 3] = uv[2 * v];
  poly[o + 4] = uv[2 * v + 1];
  poly[o + 5] = shade[v];
}
