import type { Values } from './loss-types.js';

/**
 * The per-Gaussian rotation since the previous frame, q_rel = normalise(q_t) (x) conj(normalise(q_t-1)), as the
 * reference forms it for the rigidity and rotation-similarity priors, and the chain rule back to the unnormalised
 * current quaternion. Written at each Gaussian's own slot (4N arrays), for the graph's rows only.
 */
export function relativeRotations(
  points: Uint32Array,
  quaternions: Values,
  prevQuaternions: Values,
  out: Float64Array,
): void {
  for (let r = 0; r < points.length; r++) {
    const o = 4 * points[r];
    const nq = norm4(quaternions, o, 'quaternions');
    const np = norm4(prevQuaternions, o, 'prevQuaternions');
    const a0 = quaternions[o] / nq;
    const a1 = quaternions[o + 1] / nq;
    const a2 = quaternions[o + 2] / nq;
    const a3 = quaternions[o + 3] / nq;
    const p0 = prevQuaternions[o] / np;
    const p1 = prevQuaternions[o + 1] / np;
    const p2 = prevQuaternions[o + 2] / np;
    const p3 = prevQuaternions[o + 3] / np;
    out[o] = a0 * p0 + a1 * p1 + a2 * p2 + a3 * p3;
    out[o + 1] = -a0 * p1 + a1 * p0 - a2 * p3 + a3 * p2;
    out[o + 2] = -a0 * p2 + a1 * p3 + a2 * p0 - a3 * p1;
    out[o + 3] = -a0 * p3 - a1 * p2 + a2 * p1 + a3 * p0;
  }
}

/**
 * Adds dL/dq (unnormalised current quaternions) to `gradQuaternions` given dL/dq_rel in `gradRel`. Right
 * multiplication by the unit conj(p) is orthogonal, so its adjoint is right multiplication by p; then the
 * normalisation's Jacobian (I - qhat qhat^T) / |q|.
 */
export function relativeRotationsBackward(
  points: Uint32Array,
  quaternions: Values,
  prevQuaternions: Values,
  gradRel: Float64Array,
  gradQuaternions: Float64Array,
): void {
  for (let r = 0; r < points.length; r++) {
    const o = 4 * points[r];
    const np = norm4(prevQuaternions, o, 'prevQuaternions');
    const p0 = prevQuaternions[o] / np;
    const p1 = prevQuaternions[o + 1] / np;
    const p2 = prevQuaternions[o + 2] / np;
    const p3 = prevQuaternions[o + 3] / np;
    const g0 = gradRel[o];
    const g1 = gradRel[o + 1];
    const g2 = gradRel[o + 2];
    const g3 = gradRel[o + 3];
    // dL/dqhat = g (x) p
    const h0 = g0 * p0 - g1 * p1 - g2 * p2 - g3 * p3;
    const h1 = g0 * p1 + g1 * p0 + g2 * p3 - g3 * p2;
    const h2 = g0 * p2 - g1 * p3 + g2 * p0 + g3 * p1;
    const h3 = g0 * p3 + g1 * p2 - g2 * p1 + g3 * p0;
    normalisationBackward(quaternions, o, h0, h1, h2, h3, gradQuaternions);
  }
}

/** Adds the gradient through q -> q / |q| for Gaussian `o / 4`, given dL/dqhat. */
export function normalisationBackward(
  quaternions: Values,
  o: number,
  h0: number,
  h1: number,
  h2: number,
  h3: number,
  gradQuaternions: Float64Array,
): void {
  const nq = norm4(quaternions, o, 'quaternions');
  const a0 = quaternions[o] / nq;
  const a1 = quaternions[o + 1] / nq;
  const a2 = quaternions[o + 2] / nq;
  const a3 = quaternions[o + 3] / nq;
  const dot = a0 * h0 + a1 * h1 + a2 * h2 + a3 * h3;
  gradQuaternions[o] += (h0 - a0 * dot) / nq;
  gradQuaternions[o + 1] += (h1 - a1 * dot) / nq;
  gradQuaternions[o + 2] += (h2 - a2 * dot) / nq;
  gradQuaternions[o + 3] += (h3 - a3 * dot) / nq;
}

/** |q| of the quaternion at offset o; a zero (or non-finite) quaternion has no rotation and is a caller bug. */
export function norm4(q: Values, o: number, field: string): number {
  const n = Math.sqrt(q[o] * q[o] + q[o + 1] * q[o + 1] + q[o + 2] * q[o + 2] + q[o + 3] * q[o + 3]);
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new RangeError(
      `${field}: quaternion of Gaussian ${o / 4} has norm ${n}, expected a finite non-zero norm`,
    );
  }
  return n;
}
