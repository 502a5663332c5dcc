/**
 * Coarse rigid alignment of the object before each frame's per-Gaussian optimisation (gs-dynamics preset; not in the
 * reference). The per-Gaussian Adam steps of a frame are each at most about one learning rate (0.1 mm), so with the
 * 150 iterations gsdyn spends per frame (the reference spends 2,000) the Gaussians lag an object that starts to move:
 * the constant-velocity prediction knows nothing of the push until a frame later, and on a toy that slides 3-4 mm a
 * frame the lag reached 3 mm. A rigid motion of all foreground Gaussians has six parameters fed by every Gaussian's
 * gradient, so a few dozen steps find where the whole object went; the per-Gaussian steps then only deform.
 *
 * The motion is x -> c + R(w) (x - c) + t and q -> q(w) (x) q about the centre c of the moved Gaussians, with w a
 * rotation vector. Its gradient at the identity, from the loss's gradients g_x and g_q with respect to the means and
 * quaternions, is dL/dt = sum g_x and dL/dw_k = sum (x - c) x g_x + sum g_q . (1/2 e_k (x) q), e_k the pure quaternion
 * of axis k.
 */
import { quatFromAxisAngle, unitQuatToMatrixInto } from '@gsdyn/geometry';

export interface RigidMotionGradient {
  translation: [number, number, number];
  rotation: [number, number, number];
}

/** Mean of the selected Gaussians' centres. */
export function centreOf(means: Float32Array, indices: ArrayLike<number>): [number, number, number] {
  const c: [number, number, number] = [0, 0, 0];
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    for (let k = 0; k < 3; k++) c[k] += means[3 * i + k] / indices.length;
  }
  return c;
}

/** Root-mean-square distance of the selected centres from `centre`: the length that turns radians into metres. */
export function radiusOf(means: Float32Array, indices: ArrayLike<number>, centre: readonly number[]): number {
  let sum = 0;
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    sum +=
      (means[3 * i] - centre[0]) ** 2 +
      (means[3 * i + 1] - centre[1]) ** 2 +
      (means[3 * i + 2] - centre[2]) ** 2;
  }
  return Math.sqrt(sum / Math.max(1, indices.length));
}

/** The gradient of the loss with respect to a rigid motion of the selected Gaussians, at the identity. */
export function rigidMotionGradient(
  means: Float32Array,
  quaternions: Float32Array,
  gradMeans: Float32Array,
  gradQuaternions: Float32Array,
  indices: ArrayLike<number>,
  centre: readonly number[],
): RigidMotionGradient {
  const t: [number, number, number] = [0, 0, 0];
  const w: [number, number, number] = [0, 0, 0];
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    const gx = gradMeans[3 * i];
    const gy = gradMeans[3 * i + 1];
    const gz = gradMeans[3 * i + 2];
    t[0] += gx;
    t[1] += gy;
    t[2] += gz;
    const rx = means[3 * i] - centre[0];
    const ry = means[3 * i + 1] - centre[1];
    const rz = means[3 * i + 2] - centre[2];
    w[0] += ry * gz - rz * gy;
    w[1] += rz * gx - rx * gz;
    w[2] += rx * gy - ry * gx;
    // d(q')/dw_k = 1/2 e_k (x) q with q = (a, b, c, d): e_x q = (-b, a, -d, c), e_y q = (-c, d, a, -b),
    // e_z q = (-d, -c, b, a).
    const a = quaternions[4 * i];
    const b = quaternions[4 * i + 1];
    const c = quaternions[4 * i + 2];
    const d = quaternions[4 * i + 3];
    const g0 = gradQuaternions[4 * i];
    const g1 = gradQuaternions[4 * i + 1];
    const g2 = gradQuaternions[4 * i + 2];
    const g3 = gradQuaternions[4 * i + 3];
    w[0] += 0.5 * (-b * g0 + a * g1 - d * g2 + c * g3);
    w[1] += 0.5 * (-c * g0 + d * g1 + a * g2 - b * g3);
    w[2] += 0.5 * (-d * g0 - c * g1 + b * g2 + a * g3);
  }
  return { translation: t, rotation: w };
}

/**
 * Moves the selected Gaussians rigidly, in place: x -> c + R(w) (x - c) + t, q -> q(w) (x) q (quaternions w x y z,
 * not renormalised beyond what the product keeps).
 */
export function applyRigidMotion(
  means: Float32Array,
  quaternions: Float32Array,
  indices: ArrayLike<number>,
  centre: readonly number[],
  translation: readonly number[],
  rotation: readonly number[],
): void {
  const angle = Math.hypot(rotation[0], rotation[1], rotation[2]);
  const q =
    angle > 0
      ? quatFromAxisAngle([rotation[0] / angle, rotation[1] / angle, rotation[2] / angle], angle)
      : ([1, 0, 0, 0] as const);
  const R = new Float64Array(9);
  unitQuatToMatrixInto(q[0], q[1], q[2], q[3], R);
  const [qa, qb, qc, qd] = q;
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    const rx = means[3 * i] - centre[0];
    const ry = means[3 * i + 1] - centre[1];
    const rz = means[3 * i + 2] - centre[2];
    means[3 * i] = centre[0] + R[0] * rx + R[1] * ry + R[2] * rz + translation[0];
    means[3 * i + 1] = centre[1] + R[3] * rx + R[4] * ry + R[5] * rz + translation[1];
    means[3 * i + 2] = centre[2] + R[6] * rx + R[7] * ry + R[8] * rz + translation[2];
    const a = quaternions[4 * i];
    const b = quaternions[4 * i + 1];
    const c = quaternions[4 * i + 2];
    const d = quaternions[4 * i + 3];
    quaternions[4 * i] = qa * a - qb * b - qc * c - qd * d;
    quaternions[4 * i + 1] = qa * b + qb * a + qc * d - qd * c;
    quaternions[4 * i + 2] = qa * c - qb * d + qc * a + qd * b;
    quaternions[4 * i + 3] = qa * d + qb * c - qc * b + qd * a;
  }
}
