import type { Vec3 } from './vec3.js';

/**
 * A 4x4 matrix, row-major (m[r * 4 + c]), acting on column vectors: p' = M p. This is the layout of the
 * nested arrays in our manifests and of numpy's `camera_extrinsics.npy`, so no transposes cross a boundary.
 */
export type Mat4 = Float64Array;
/** A 3x3 matrix, row-major. */
export type Mat3 = Float64Array;

export function identity4(): Mat4 {
  const m = new Float64Array(16);
  m[0] = m[5] = m[10] = m[15] = 1;
  return m;
}

export function mat4FromRows(rows: readonly (readonly number[])[]): Mat4 {
  if (rows.length !== 4 || rows.some((r) => r.length !== 4)) throw new RangeError('expected a 4x4 array');
  return Float64Array.from(rows.flat());
}

export function mat4ToRows(m: Mat4): number[][] {
  return [0, 1, 2, 3].map((r) => [m[r * 4], m[r * 4 + 1], m[r * 4 + 2], m[r * 4 + 3]]);
}

export function mat3FromRows(rows: readonly (readonly number[])[]): Mat3 {
  if (rows.length !== 3 || rows.some((r) => r.length !== 3)) throw new RangeError('expected a 3x3 array');
  return Float64Array.from(rows.flat());
}

export function mat3ToRows(m: Mat3): number[][] {
  return [0, 1, 2].map((r) => [m[r * 3], m[r * 3 + 1], m[r * 3 + 2]]);
}

export function multiply4(a: Mat4, b: Mat4): Mat4 {
  const out = new Float64Array(16);
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r * 4 + k] * b[k * 4 + c];
      out[r * 4 + c] = s;
    }
  return out;
}

export function multiply3(a: Mat3, b: Mat3): Mat3 {
  const out = new Float64Array(9);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += a[r * 3 + k] * b[k * 3 + c];
      out[r * 3 + c] = s;
    }
  return out;
}

/** Builds [R | t; 0 0 0 1] from a row-major 3x3 rotation and a translation. */
export function fromRotationTranslation(R: Mat3, t: Vec3): Mat4 {
  const m = identity4();
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) m[r * 4 + c] = R[r * 3 + c];
    m[r * 4 + 3] = t[r];
  }
  return m;
}

export function rotationPart(m: Mat4): Mat3 {
  return Float64Array.from([m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]]);
}

export function translationPart(m: Mat4): Vec3 {
  return [m[3], m[7], m[11]];
}

export function transformPoint(m: Mat4, p: Vec3): Vec3 {
  return [
    m[0] * p[0] + m[1] * p[1] + m[2] * p[2] + m[3],
    m[4] * p[0] + m[5] * p[1] + m[6] * p[2] + m[7],
    m[8] * p[0] + m[9] * p[1] + m[10] * p[2] + m[11],
  ];
}

export function transformDirection(m: Mat4, d: Vec3): Vec3 {
  return [
    m[0] * d[0] + m[1] * d[1] + m[2] * d[2],
    m[4] * d[0] + m[5] * d[1] + m[6] * d[2],
    m[8] * d[0] + m[9] * d[1] + m[10] * d[2],
  ];
}

/** Inverse of a rigid transform [R | t]: [R^T | -R^T t]. Exact for rigid input; use `checkRigid` first. */
export function invertRigid(m: Mat4): Mat4 {
  const out = identity4();
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) out[r * 4 + c] = m[c * 4 + r];
    out[r * 4 + 3] = -(m[r] * m[3] + m[4 + r] * m[7] + m[8 + r] * m[11]);
  }
  return out;
}

/** Rotation by `angle` radians about the x axis, as a rigid 4x4. */
export function rotationX4(angle: number): Mat4 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return mat4FromRows([
    [1, 0, 0, 0],
    [0, c, -s, 0],
    [0, s, c, 0],
    [0, 0, 0, 1],
  ]);
}

/**
 * Explains why `m` is not a rigid transform (orthonormal rotation with det +1, finite, last row 0 0 0 1),
 * or returns undefined when it is, within `tolerance` on every entry of R^T R - I and on det R - 1.
 */
export function checkRigid(m: Mat4, tolerance = 1e-4): string | undefined {
  if (m.length !== 16) return `expected 16 entries, got ${m.length}`;
  for (let i = 0; i < 16; i++) if (!Number.isFinite(m[i])) return `entry ${i} is not finite (${m[i]})`;
  const last = [m[12], m[13], m[14], m[15]];
  if (
    Math.abs(last[0]) > tolerance ||
    Math.abs(last[1]) > tolerance ||
    Math.abs(last[2]) > tolerance ||
    Math.abs(last[3] - 1) > tolerance
  )
    return `last row is [${last.join(', ')}], expected [0, 0, 0, 1]`;
  const R = rotationPart(m);
  let worst = 0;
  for (let a = 0; a < 3; a++)
    for (let b = 0; b < 3; b++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += R[k * 3 + a] * R[k * 3 + b];
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  if (worst > tolerance)
    return `rotation part is not orthonormal (max |R^T R - I| = ${worst.toExponential(2)})`;
  const det = determinant3(R);
  if (Math.abs(det - 1) > tolerance)
    return `rotation part has determinant ${det.toFixed(4)}, expected +1 (a reflection?)`;
  return undefined;
}

export function determinant3(R: Mat3): number {
  return (
    R[0] * (R[4] * R[8] - R[5] * R[7]) -
    R[1] * (R[3] * R[8] - R[5] * R[6]) +
    R[2] * (R[3] * R[7] - R[4] * R[6])
  );
}
