import { unitQuatToMatrixInto } from './quaternion.js';

/**
 * The rotation of the polar decomposition of a 3 x 3 matrix A (row-major), by the iteration of Mueller, Bender,
 * Chentanez and Macklin 2016 ("A robust method to extract the rotational part of deformations"): rotate R by the
 * axis-angle sum_i r_i x a_i / |sum_i r_i . a_i| (r_i, a_i the columns of R and A) until that vanishes. It
 * maximises tr(R^T A), which for a non-degenerate A is the polar rotation, and it stays a rotation even when A
 * is singular or reflected (where the SVD needs a sign fix). `q` (unit quaternion w, x, y, z) is the warm start
 * and receives the result; R receives its matrix.
 */
export function extractRotation(
  A: ArrayLike<number>,
  q: Float64Array,
  R: Float64Array,
  maxIterations = 20,
): void {
  for (let it = 0; it < maxIterations; it++) {
    unitQuatToMatrixInto(q[0], q[1], q[2], q[3], R);
    // Columns: r_c = (R[c], R[3 + c], R[6 + c]), a_c likewise.
    let ox = 0;
    let oy = 0;
    let oz = 0;
    let dot = 0;
    for (let c = 0; c < 3; c++) {
      const rx = R[c];
      const ry = R[3 + c];
      const rz = R[6 + c];
      const ax = A[c];
      const ay = A[3 + c];
      const az = A[6 + c];
      ox += ry * az - rz * ay;
      oy += rz * ax - rx * az;
      oz += rx * ay - ry * ax;
      dot += rx * ax + ry * ay + rz * az;
    }
    const scale = 1 / (Math.abs(dot) + 1e-12);
    ox *= scale;
    oy *= scale;
    oz *= scale;
    const angle = Math.sqrt(ox * ox + oy * oy + oz * oz);
    if (angle < 1e-12) break;
    // q <- quat(axis omega / |omega|, angle |omega|) * q
    const s = Math.sin(angle / 2) / angle;
    const dw = Math.cos(angle / 2);
    const dx = ox * s;
    const dy = oy * s;
    const dz = oz * s;
    const [w, x, y, z] = [q[0], q[1], q[2], q[3]];
    q[0] = dw * w - dx * x - dy * y - dz * z;
    q[1] = dw * x + dx * w + dy * z - dz * y;
    q[2] = dw * y - dx * z + dy * w + dz * x;
    q[3] = dw * z + dx * y - dy * x + dz * w;
    const norm = Math.hypot(q[0], q[1], q[2], q[3]);
    for (let k = 0; k < 4; k++) q[k] /= norm;
  }
  unitQuatToMatrixInto(q[0], q[1], q[2], q[3], R);
}
