import type { Vec3 as Vec } from '@gsdyn/geometry';

/**
 * Isometric bending (Bergou et al. 2006, "A quadratic bending model for inextensible surfaces"; as an XPBD
 * constraint in Bender et al. 2014): for each interior edge (x0, x1) of a triangle mesh with opposite vertices
 * x2 and x3, the discrete mean-curvature vector H = sum_k K_k x_k, with cotangent weights K taken from the flat
 * rest stencil, and the energy E = 3 B |H|^2 / (2 (A0 + A1)) for a bending rigidity B (N m).
 *
 * Unlike a distance constraint across the hinge, H vanishes for every affine map of the flat rest stencil, so
 * the constraint does not resist in-plane compression at all: a compressed cloth is held only by its stretch
 * constraints and has to buckle out of plane, at a wavelength set by B against gravity, as real cloth does.
 */
export class BendingConstraints {
  private readonly stencils: number[] = [];
  private readonly weights: number[] = [];
  private readonly compliances: number[] = [];
  private readonly restCurvatures: number[] = [];
  private readonly signs: number[] = [];
  private packed: Packed | undefined;

  get count(): number {
    return this.compliances.length;
  }

  /**
   * Adds the hinge on edge (a, b) between the triangles (a, b, c) and (a, b, d), with its weights from the flat
   * stencil in `rest` (3 per particle) and rigidity `rigidity` (N m). With `shaped`, the hinge's rest curvature
   * is its curvature there (an isometric bend of `rest`, such as a creased cloth); otherwise it rests flat.
   * Normals are oriented to point to +z in `rest`.
   */
  add(
    rest: Float64Array,
    a: number,
    b: number,
    c: number,
    d: number,
    rigidity: number,
    shaped?: Float64Array,
  ): void {
    if (!(rigidity > 0))
      throw new RangeError(`bending constraint: rigidity must be positive, got ${rigidity}`);
    const e0 = sub(rest, b, a);
    const e1 = sub(rest, c, a);
    const e2 = sub(rest, d, a);
    const e3 = sub(rest, c, b);
    const e4 = sub(rest, d, b);
    const minusE0: Vec = [-e0[0], -e0[1], -e0[2]];
    const c01 = cot(e0, e1);
    const c02 = cot(e0, e2);
    const c03 = cot(minusE0, e3);
    const c04 = cot(minusE0, e4);
    const area = (norm(cross(e0, e1)) + norm(cross(e0, e2))) / 2;
    if (!(area > 0) || ![c01, c02, c03, c04].every(Number.isFinite)) {
      throw new RangeError(`bending constraint: hinge (${a}, ${b}, ${c}, ${d}) is degenerate`);
    }
    this.stencils.push(a, b, c, d);
    this.weights.push(c03 + c04, c01 + c02, -c01 - c03, -c02 - c04);
    // E = |H|^2 / (2 alpha) with E = 3 B |H|^2 / (2 (A0 + A1)).
    this.compliances.push(area / (3 * rigidity));
    // Triangle (a, b, c) is e0 x e1 and (a, b, d) is e0 x e2 up to a sign: keep the signs that face +z at rest.
    this.signs.push(Math.sign(cross(e0, e1)[2]) || 1, Math.sign(cross(e0, e2)[2]) || 1);
    this.restCurvatures.push(0);
    this.packed = undefined;
    if (shaped !== undefined) {
      const k = this.count - 1;
      const h = this.curvature(shaped, k, [0, 0, 0]);
      const n = this.normal(shaped, k, [0, 0, 0]);
      this.restCurvatures[k] = h[0] * n[0] + h[1] * n[1] + h[2] * n[2];
      this.packed = undefined;
    }
  }

  /** Rest curvature of hinge k along its normal (1/m up to the stencil's scale; 0 for a flat hinge). */
  restCurvature(k: number): number {
    return this.restCurvatures[k];
  }

  /** The unit normal of hinge k at positions x (mean of its two triangles' unit normals), written to out. */
  normal(x: Float64Array, k: number, out: Vec): Vec {
    const { stencils, signs } = this.pack();
    hingeNormal(x, stencils, signs, k, out);
    return out;
  }

  /** The curvature vector H of hinge k at positions x, written to out. */
  curvature(x: Float64Array, k: number, out: Vec): Vec {
    const { stencils, weights } = this.pack();
    out[0] = 0;
    out[1] = 0;
    out[2] = 0;
    for (let m = 0; m < 4; m++) {
      const i = 3 * stencils[4 * k + m];
      const w = weights[4 * k + m];
      out[0] += w * x[i];
      out[1] += w * x[i + 1];
      out[2] += w * x[i + 2];
    }
    return out;
  }

  /** Bending energy of hinge k at positions x (joules). */
  energy(x: Float64Array, k: number): number {
    const h = this.curvature(x, k, [0, 0, 0]);
    const kappa = this.restCurvatures[k];
    if (kappa !== 0) {
      const n = this.normal(x, k, [0, 0, 0]);
      for (let a = 0; a < 3; a++) h[a] -= kappa * n[a];
    }
    return (h[0] * h[0] + h[1] * h[1] + h[2] * h[2]) / (2 * this.pack().compliance[k]);
  }

  private pack(): Packed {
    if (this.packed === undefined) {
      this.packed = {
        stencils: Int32Array.from(this.stencils),
        weights: Float64Array.from(this.weights),
        compliance: Float64Array.from(this.compliances),
        restCurvature: Float64Array.from(this.restCurvatures),
        signs: Float64Array.from(this.signs),
      };
    }
    return this.packed;
  }

  /**
   * One Gauss-Seidel sweep, lambda starting at zero (one iteration per substep, as in distance-constraints.ts).
   * H is linear in the positions, so the vector constraint C = H is projected exactly:
   * dx_k = -w_k K_k H / (sum_m w_m K_m^2 + alpha / h^2).
   */
  solve(x: Float64Array, inverseMass: Float64Array, h: number): void {
    const m = this.count;
    if (m === 0) return;
    const { stencils, weights, compliance, restCurvature, signs } = this.pack();
    const invH2 = 1 / (h * h);
    const n: Vec = [0, 0, 0];
    for (let k = 0; k < m; k++) {
      const o = 4 * k;
      let hx = 0;
      let hy = 0;
      let hz = 0;
      let denominator = compliance[k] * invH2;
      for (let q = 0; q < 4; q++) {
        const i = 3 * stencils[o + q];
        const w = weights[o + q];
        hx += w * x[i];
        hy += w * x[i + 1];
        hz += w * x[i + 2];
        denominator += inverseMass[i / 3] * w * w;
      }
      if (denominator === 0) continue;
      const kappa = restCurvature[k];
      if (kappa !== 0) {
        hingeNormal(x, stencils, signs, k, n);
        hx -= kappa * n[0];
        hy -= kappa * n[1];
        hz -= kappa * n[2];
      }
      const s = -1 / denominator;
      for (let q = 0; q < 4; q++) {
        const i = 3 * stencils[o + q];
        const f = s * inverseMass[i / 3] * weights[o + q];
        x[i] += f * hx;
        x[i + 1] += f * hy;
        x[i + 2] += f * hz;
      }
    }
  }
}

interface Packed {
  stencils: Int32Array;
  weights: Float64Array;
  compliance: Float64Array;
  restCurvature: Float64Array;
  /** Two per hinge: the orientation of (x_b - x_a) x (x_c - x_a) and of (x_b - x_a) x (x_d - x_a). */
  signs: Float64Array;
}

function hingeNormal(x: Float64Array, stencils: Int32Array, signs: Float64Array, k: number, out: Vec): void {
  const a = 3 * stencils[4 * k];
  const b = 3 * stencils[4 * k + 1];
  const ex = x[b] - x[a];
  const ey = x[b + 1] - x[a + 1];
  const ez = x[b + 2] - x[a + 2];
  out[0] = 0;
  out[1] = 0;
  out[2] = 0;
  for (let t = 0; t < 2; t++) {
    const c = 3 * stencils[4 * k + 2 + t];
    const fx = x[c] - x[a];
    const fy = x[c + 1] - x[a + 1];
    const fz = x[c + 2] - x[a + 2];
    const nx = ey * fz - ez * fy;
    const ny = ez * fx - ex * fz;
    const nz = ex * fy - ey * fx;
    const scale = signs[2 * k + t] / (Math.sqrt(nx * nx + ny * ny + nz * nz) || 1);
    out[0] += nx * scale;
    out[1] += ny * scale;
    out[2] += nz * scale;
  }
  const length = Math.sqrt(out[0] * out[0] + out[1] * out[1] + out[2] * out[2]) || 1;
  out[0] /= length;
  out[1] /= length;
  out[2] /= length;
}

function sub(x: Float64Array, i: number, j: number): Vec {
  return [x[3 * i] - x[3 * j], x[3 * i + 1] - x[3 * j + 1], x[3 * i + 2] - x[3 * j + 2]];
}

function cross(a: Vec, b: Vec): Vec {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function norm(a: Vec): number {
  return Math.hypot(a[0], a[1], a[2]);
}

/** Cotangent of the angle between a and b. */
function cot(a: Vec, b: Vec): number {
  return (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / norm(cross(a, b));
}
