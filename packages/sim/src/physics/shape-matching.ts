import { extractRotation } from '@gsdyn/geometry';

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
