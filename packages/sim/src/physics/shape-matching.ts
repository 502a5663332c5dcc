import { unitQuatToMatrixInto } from '@gsdyn/geometry';

/**
 * Global shape matching (Mueller et al. 2005): every substep, the best rigid motion of the rest shape onto the
 * current particles (centroid plus the rotation of the polar decomposition of A_pq) gives goal positions, and
 * each particle moves a fraction of the way to its goal. A volumetric body solved with one Gauss-Seidel
 * iteration per substep sags under its own weight (the table's support reaches the top layers only slowly);
 * this keeps the overall shape while the tet constraints keep it locally elastic. For the same reason the goal
 * shape is itself kept out of the table (lifted until its lowest particle rests on it), so the table supports the
 * whole body at once rather than only the particles touching it.
 */
export class ShapeMatching {
  private readonly rest: Float64Array;
  private readonly mass: Float64Array;
  /** Unit quaternion (w, x, y, z) of the last rotation, the warm start of the next extraction. */
  private readonly q = new Float64Array([1, 0, 0, 0]);
  private readonly R = new Float64Array(9);

  /**
   * @param timeConstant seconds for a deviation from the matched shape to decay by 1/e; the fraction applied per
   * substep is 1 - exp(-h / timeConstant), so the stiffness does not depend on the substep count.
   */
  constructor(
    restPositions: Float64Array,
    inverseMass: Float64Array,
    readonly timeConstant: number,
  ) {
    const n = inverseMass.length;
    this.mass = inverseMass.map((w) => (w > 0 ? 1 / w : 0));
    this.rest = new Float64Array(3 * n);
    const c = centroid(restPositions, this.mass);
    for (let p = 0; p < n; p++) {
      for (let a = 0; a < 3; a++) this.rest[3 * p + a] = restPositions[3 * p + a] - c[a];
    }
  }

  /** Moves the particles towards the matched shape; with `radius`, the goal shape is kept above the table. */
  solve(x: Float64Array, h: number, radius?: Float64Array): void {
    const { rest, mass, R } = this;
    const n = mass.length;
    const c = centroid(x, mass);
    // A_pq = sum_i m_i (x_i - c) q_i^T, row-major.
    const A = new Float64Array(9);
    for (let p = 0; p < n; p++) {
      const m = mass[p];
      const dx = x[3 * p] - c[0];
      const dy = x[3 * p + 1] - c[1];
      const dz = x[3 * p + 2] - c[2];
      for (let b = 0; b < 3; b++) {
        const qb = m * rest[3 * p + b];
        A[b] += dx * qb;
        A[3 + b] += dy * qb;
        A[6 + b] += dz * qb;
      }
    }
    extractRotation(A, this.q, R, 20);
    const beta = 1 - Math.exp(-h / this.timeConstant);
    if (radius !== undefined) {
      let lift = 0;
      for (let p = 0; p < n; p++) {
        const goalZ = c[2] + R[6] * rest[3 * p] + R[7] * rest[3 * p + 1] + R[8] * rest[3 * p + 2];
        lift = Math.max(lift, radius[p] - goalZ);
      }
      c[2] += lift;
    }
    for (let p = 0; p < n; p++) {
      if (mass[p] === 0) continue;
      const qx = rest[3 * p];
      const qy = rest[3 * p + 1];
      const qz = rest[3 * p + 2];
      for (let a = 0; a < 3; a++) {
        const goal = c[a] + R[3 * a] * qx + R[3 * a + 1] * qy + R[3 * a + 2] * qz;
        x[3 * p + a] += beta * (goal - x[3 * p + a]);
      }
    }
  }
}

function centroid(x: Float64Array, mass: Float64Array): [number, number, number] {
  let sx = 0;
  let sy = 0;
  let sz = 0;
  let total = 0;
  for (let p = 0; p < mass.length; p++) {
    sx += mass[p] * x[3 * p];
    sy += mass[p] * x[3 * p + 1];
    sz += mass[p] * x[3 * p + 2];
    total += mass[p];
  }
  return [sx / total, sy / total, sz / total];
}

/**
 * The rotation part of A (row-major 3x3), by Mueller et al. 2016, "A robust method to extract the rotational
 * part of deformations": rotate the warm-start quaternion q towards A's columns until the torque vanishes.
 * Updates q in place and writes the rotation matrix (row-major) to R.
 */
export function extractRotation(A: Float64Array, q: Float64Array, R: Float64Array, iterations: number): void {
  for (let it = 0; it < iterations; it++) {
    quaternionToMatrix(q, R);
    // omega = sum_j r_j x a_j / (|sum_j r_j . a_j| + eps), r_j and a_j the j-th columns of R and A.
    let ox = 0;
    let oy = 0;
    let oz = 0;
    let d = 0;
    for (let j = 0; j < 3; j++) {
      const rx = R[j];
      const ry = R[3 + j];
      const rz = R[6 + j];
      const ax = A[j];
      const ay = A[3 + j];
      const az = A[6 + j];
      ox += ry * az - rz * ay;
      oy += rz * ax - rx * az;
      oz += rx * ay - ry * ax;
      d += rx * ax + ry * ay + rz * az;
    }
    const scale = 1 / (Math.abs(d) + 1e-12);
    ox *= scale;
    oy *= scale;
    oz *= scale;
    const angle = Math.hypot(ox, oy, oz);
    if (angle < 1e-12) break;
    const s = Math.sin(angle / 2) / angle;
    const dw = Math.cos(angle / 2);
    const dx = ox * s;
    const dy = oy * s;
    const dz = oz * s;
    // q = dq * q
    const [w, x, y, z] = q;
    q[0] = dw * w - dx * x - dy * y - dz * z;
    q[1] = dw * x + dx * w + dy * z - dz * y;
    q[2] = dw * y - dx * z + dy * w + dz * x;
    q[3] = dw * z + dx * y - dy * x + dz * w;
    const norm = Math.hypot(q[0], q[1], q[2], q[3]);
    for (let k = 0; k < 4; k++) q[k] /= norm;
  }
  quaternionToMatrix(q, R);
}

function quaternionToMatrix(q: Float64Array, R: Float64Array): void {
  unitQuatToMatrixInto(q[0], q[1], q[2], q[3], R);
}
