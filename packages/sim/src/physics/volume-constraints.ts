/**
 * XPBD tetrahedral volume constraints C = 6 (V - V_rest) (Macklin et al. 2016; Mueller's "Ten Minute Physics"
 * soft bodies). Together with the tet edges they keep a volumetric body from collapsing or inverting.
 */
export class VolumeConstraints {
  private readonly tets: number[] = [];
  private readonly rests: number[] = [];
  private readonly compliances: number[] = [];
  private packed: { tets: Int32Array; rest: Float64Array; compliance: Float64Array } | undefined;

  get count(): number {
    return this.rests.length;
  }

  /** Adds tet (a, b, c, d) with its current signed volume in `positions` as the rest volume. */
  add(positions: Float64Array, a: number, b: number, c: number, d: number, compliance: number): void {
    const v = tetVolume(positions, a, b, c, d);
    if (!(Math.abs(v) > 0))
      throw new RangeError(`volume constraint: tet (${a}, ${b}, ${c}, ${d}) is degenerate`);
    this.tets.push(a, b, c, d);
    this.rests.push(v);
    this.compliances.push(compliance);
    this.packed = undefined;
  }

  /** The tets as a flat index array, 4 per tet (a view: do not modify). */
  indices(): Int32Array {
    return this.pack().tets;
  }

  restVolume(k: number): number {
    return this.rests[k];
  }

  private pack(): { tets: Int32Array; rest: Float64Array; compliance: Float64Array } {
    if (this.packed === undefined) {
      this.packed = {
        tets: Int32Array.from(this.tets),
        rest: Float64Array.from(this.rests),
        compliance: Float64Array.from(this.compliances),
      };
    }
    return this.packed;
  }

  /** One Gauss-Seidel sweep (lambda starts at zero: one iteration per substep, as in distance-constraints.ts). */
  solve(x: Float64Array, inverseMass: Float64Array, h: number): void {
    const { tets, rest, compliance } = this.pack();
    const invH2 = 1 / (h * h);
    const g = new Float64Array(12);
    const m = rest.length;
    for (let k = 0; k < m; k++) {
      const ia = 3 * tets[4 * k];
      const ib = 3 * tets[4 * k + 1];
      const ic = 3 * tets[4 * k + 2];
      const id = 3 * tets[4 * k + 3];
      // Gradient of 6V with respect to each corner: the cross product of the opposite face's edges.
      faceGradient(x, ib, id, ic, g, 0);
      faceGradient(x, ia, ic, id, g, 3);
      faceGradient(x, ia, id, ib, g, 6);
      faceGradient(x, ia, ib, ic, g, 9);
      const wa = inverseMass[ia / 3];
      const wb = inverseMass[ib / 3];
      const wc = inverseMass[ic / 3];
      const wd = inverseMass[id / 3];
      const denominator =
        wa * (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]) +
        wb * (g[3] * g[3] + g[4] * g[4] + g[5] * g[5]) +
        wc * (g[6] * g[6] + g[7] * g[7] + g[8] * g[8]) +
        wd * (g[9] * g[9] + g[10] * g[10] + g[11] * g[11]) +
        compliance[k] * invH2;
      if (denominator === 0) continue;
      const c = 6 * (signedVolumeAt(x, ia, ib, ic, id) - rest[k]);
      const s = -c / denominator;
      for (let a = 0; a < 3; a++) {
        x[ia + a] += s * wa * g[a];
        x[ib + a] += s * wb * g[3 + a];
        x[ic + a] += s * wc * g[6 + a];
        x[id + a] += s * wd * g[9 + a];
      }
    }
  }
}

/** Signed volume of tet (a, b, c, d): positive when d lies on the side of (b - a) x (c - a). */
export function tetVolume(
  x: Float64Array | Float32Array,
  a: number,
  b: number,
  c: number,
  d: number,
): number {
  return signedVolumeAt(x, 3 * a, 3 * b, 3 * c, 3 * d);
}

function signedVolumeAt(
  x: Float64Array | Float32Array,
  ia: number,
  ib: number,
  ic: number,
  id: number,
): number {
  const e1x = x[ib] - x[ia];
  const e1y = x[ib + 1] - x[ia + 1];
  const e1z = x[ib + 2] - x[ia + 2];
  const e2x = x[ic] - x[ia];
  const e2y = x[ic + 1] - x[ia + 1];
  const e2z = x[ic + 2] - x[ia + 2];
  const e3x = x[id] - x[ia];
  const e3y = x[id + 1] - x[ia + 1];
  const e3z = x[id + 2] - x[ia + 2];
  return (e3x * (e1y * e2z - e1z * e2y) + e3y * (e1z * e2x - e1x * e2z) + e3z * (e1x * e2y - e1y * e2x)) / 6;
}

/** out[o..o+2] = (x_q - x_p) x (x_r - x_p). */
function faceGradient(x: Float64Array, p: number, q: number, r: number, out: Float64Array, o: number): void {
  const ux = x[q] - x[p];
  const uy = x[q + 1] - x[p + 1];
  const uz = x[q + 2] - x[p + 2];
  const vx = x[r] - x[p];
  const vy = x[r + 1] - x[p + 1];
  const vz = x[r + 2] - x[p + 2];
  out[o] = uy * vz - uz * vy;
  out[o + 1] = uz * vx - ux * vz;
  out[o + 2] = ux * vy - uy * vx;
}
