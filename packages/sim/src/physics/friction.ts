/**
 * Position-based Coulomb friction (Macklin et al. 2014, "Unified particle physics", eq. 24): after a contact
 * pushed a particle out by `depth` along the unit normal n, the tangential part of its displacement relative
 * to the contact surface over the substep is removed entirely when it is under the static cone
 * (|dx_t| < mu_s * depth), and shortened by mu_k * depth otherwise. Since depth is what the normal impulse
 * did this substep, this bounds the friction impulse by mu times the normal impulse, as Coulomb does.
 *
 * (rx, ry, rz) is the relative displacement over the substep; the correction is added to x at index i.
 */
export function applyFriction(
  x: Float64Array,
  i: number,
  rx: number,
  ry: number,
  rz: number,
  nx: number,
  ny: number,
  nz: number,
  depth: number,
  staticFriction: number,
  dynamicFriction: number,
): void {
  const rn = rx * nx + ry * ny + rz * nz;
  const tx = rx - rn * nx;
  const ty = ry - rn * ny;
  const tz = rz - rn * nz;
  const t = Math.sqrt(tx * tx + ty * ty + tz * tz);
  if (t === 0) return;
  const k = t < staticFriction * depth ? 1 : Math.min((dynamicFriction * depth) / t, 1);
  x[i] -= k * tx;
  x[i + 1] -= k * ty;
  x[i + 2] -= k * tz;
}
