/**
 * XPBD distance constraints C = |x_i - x_j| - rest, stored as flat arrays. They serve as stretch, shear and
 * bending constraints alike: what differs is which pairs are joined and how compliant they are.
 */
export class DistanceConstraints {
  private readonly pairs: number[] = [];
  private readonly rests: number[] = [];
  private readonly compliances: number[] = [];
  private packed: { pairs: Int32Array; rest: Float64Array; compliance: Float64Array } | undefined;

  get count(): number {
    return this.rests.length;
  }

  /** Joins particles i and j at their current distance in `positions` (or at `rest` when given). */
  add(positions: Float64Array, i: number, j: number, compliance: number, rest?: number): void {
    if (i === j) throw new RangeError(`distance constraint: particle ${i} joined to itself`);
    const dx = positions[3 * i] - positions[3 * j];
    const dy = positions[3 * i + 1] - positions[3 * j + 1];
    const dz = positions[3 * i + 2] - positions[3 * j + 2];
    this.pairs.push(i, j);
    this.rests.push(rest ?? Math.hypot(dx, dy, dz));
    this.compliances.push(compliance);
    this.packed = undefined;
  }

  restLength(k: number): number {
    return this.rests[k];
  }

  /**
   * One Gauss-Seidel sweep. With one iteration per substep the Lagrange multiplier starts at zero every time,
   * so the XPBD update reduces to dLambda = -C / (w_i + w_j + alpha / h^2) and needs no stored lambda.
   */
  solve(x: Float64Array, inverseMass: Float64Array, h: number): void {
    if (this.packed === undefined) {
      this.packed = {
        pairs: Int32Array.from(this.pairs),
        rest: Float64Array.from(this.rests),
        compliance: Float64Array.from(this.compliances),
      };
    }
    const { pairs, rest, compliance } = this.packed;
    const invH2 = 1 / (h * h);
    const m = rest.length;
    for (let k = 0; k < m; k++) {
      const i = 3 * pairs[2 * k];
      const j = 3 * pairs[2 * k + 1];
      const wi = inverseMass[i / 3];
      const wj = inverseMass[j / 3];
      const w = wi + wj;
      if (w === 0) continue;
      const dx = x[i] - x[j];
      const dy = x[i + 1] - x[j + 1];
      const dz = x[i + 2] - x[j + 2];
      const len = Math.sqrt(dx * dx + dy * dy + dz * dz);
      if (len < 1e-12) continue;
      const c = len - rest[k];
      const s = -c / (w + compliance[k] * invH2) / len;
      x[i] += wi * s * dx;
      x[i + 1] += wi * s * dy;
      x[i + 2] += wi * s * dz;
      x[j] -= wj * s * dx;
      x[j + 1] -= wj * s * dy;
      x[j + 2] -= wj * s * dz;
    }
  }
}
