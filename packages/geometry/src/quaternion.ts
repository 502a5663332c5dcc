import type { Mat3 } from './mat4.js';
import type { Vec3 } from './vec3.js';

/** Unit quaternion (w, x, y, z), the order of 3DGS PLY files and of every gsdyn array. */
export type Quat = [number, number, number, number];

export function quatNormalize(q: Quat): Quat {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  if (n === 0) throw new RangeError('cannot normalise a zero quaternion');
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

export function quatMultiply(a: Quat, b: Quat): Quat {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

export function quatFromAxisAngle(axis: Vec3, angle: number): Quat {
  const n = Math.hypot(axis[0], axis[1], axis[2]);
  const s = Math.sin(angle / 2) / n;
  return [Math.cos(angle / 2), axis[0] * s, axis[1] * s, axis[2] * s];
}

/** Rotation matrix (row-major) of a quaternion; the quaternion is normalised first. */
export function quatToMatrix(q: Quat): Mat3 {
  const [w, x, y, z] = quatNormalize(q);
  const R = new Float64Array(9);
  unitQuatToMatrixInto(w, x, y, z, R);
  return R;
}

/**
 * Writes the row-major rotation matrix of the UNIT quaternion (w, x, y, z) into out[0..8], without allocating:
 * for per-Gaussian and per-particle loops.
 */
export function unitQuatToMatrixInto(
  w: number,
  x: number,
  y: number,
  z: number,
  out: { [i: number]: number },
): void {
  out[0] = 1 - 2 * (y * y + z * z);
  out[1] = 2 * (x * y - w * z);
  out[2] = 2 * (x * z + w * y);
  out[3] = 2 * (x * y + w * z);
  out[4] = 1 - 2 * (x * x + z * z);
  out[5] = 2 * (y * z - w * x);
  out[6] = 2 * (x * z - w * y);
  out[7] = 2 * (y * z + w * x);
  out[8] = 1 - 2 * (x * x + y * y);
}

/** Quaternion of a rotation matrix (Shepperd's method, stable for every rotation), with w >= 0. */
export function quatFromMatrix(R: Mat3): Quat {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = R;
  const trace = m00 + m11 + m22;
  let q: Quat;
  if (trace > 0) {
    const s = Math.sqrt(trace + 1) * 2;
    q = [s / 4, (m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s];
  } else if (m00 > m11 && m00 > m22) {
    const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
    q = [(m21 - m12) / s, s / 4, (m01 + m10) / s, (m02 + m20) / s];
  } else if (m11 > m22) {
    const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
    q = [(m02 - m20) / s, (m01 + m10) / s, s / 4, (m12 + m21) / s];
  } else {
    const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
    q = [(m10 - m01) / s, (m02 + m20) / s, (m12 + m21) / s, s / 4];
  }
  if (q[0] < 0) q = [-q[0], -q[1], -q[2], -q[3]];
  return quatNormalize(q);
}
