import { type PinholeCamera, unitQuatToMatrixInto } from '@gsdyn/geometry';
import type { PixelConvention } from './types.js';

/**
 * The EWA projection of one 3D Gaussian (3DGS's computeCov3D + computeCov2D + preprocess), in float64. Forward and
 * backward both call `projectOne`, so the backward differentiates exactly the function the forward evaluated.
 */

/** The 3DGS low-pass filter: added to the 2D covariance diagonal, px^2. */
export const DILATION = 0.3;
/** The 3DGS Jacobian clamp: view directions beyond 1.3 x the half field of view are clamped. */
export const JACOBIAN_CLAMP = 1.3;
/** Eigenvalue discriminant floor of the 3DGS radius computation. */
export const DISCRIMINANT_MIN = 0.1;
/** 3DGS culls Gaussians whose view-space z is at most this (metres). */
export const DEFAULT_NEAR = 0.2;

/** What projection reads of a cloud; float32 (GaussianCloud) or float64 (finite differences). */
export interface GaussianCloudLike {
  count: number;
  means: ArrayLike<number>;
  quaternions: ArrayLike<number>;
  logScales: ArrayLike<number>;
  logitOpacities: ArrayLike<number>;
  colors: ArrayLike<number>;
  extraChannels: number;
  extras: ArrayLike<number>;
}

/** Rejects a cloud whose arrays do not match its count, naming the field. */
export function checkCloudArrays(cloud: GaussianCloudLike): void {
  const n = cloud.count;
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`splat cloud: count must be a non-negative integer, got ${n}`);
  const e = cloud.extraChannels;
  if (!Number.isInteger(e) || e < 0)
    throw new RangeError(`splat cloud: extraChannels must be a non-negative integer, got ${e}`);
  const expect: [string, ArrayLike<number>, number][] = [
    ['means', cloud.means, 3 * n],
    ['quaternions', cloud.quaternions, 4 * n],
    ['logScales', cloud.logScales, 3 * n],
    ['logitOpacities', cloud.logitOpacities, n],
    ['colors', cloud.colors, 3 * n],
    ['extras', cloud.extras, e * n],
  ];
  for (const [field, array, length] of expect)
    if (array?.length !== length)
      throw new RangeError(
        `splat cloud: ${field} must have ${length} values (count ${n}), got ${array?.length}`,
      );
}

/** A camera unpacked for the per-Gaussian loop. */
export interface CameraFrame {
  width: number;
  height: number;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  /** Rotation of world-to-camera, row-major 3x3. */
  rotation: Float64Array;
  translation: Float64Array;
  /** 0.5 for '3dgs', 0 for 'opencv': subtracted from fx x / z + cx. */
  pixelShift: number;
  near: number;
  /** 1.3 tan(half fov) along x and y. */
  limitX: number;
  limitY: number;
}

export function cameraFrame(
  camera: PinholeCamera,
  pixelConvention: PixelConvention,
  near: number,
): CameraFrame {
  const { width, height, fx, fy, cx, cy, worldToCamera: m } = camera;
  const bad = (field: string, expected: string, value: unknown) =>
    new RangeError(`splat projection: camera.${field} must be ${expected}, got ${String(value)}`);
  if (!Number.isInteger(width) || width <= 0) throw bad('width', 'a positive integer', width);
  if (!Number.isInteger(height) || height <= 0) throw bad('height', 'a positive integer', height);
  if (!(fx > 0) || !Number.isFinite(fx)) throw bad('fx', 'a positive finite number', fx);
  if (!(fy > 0) || !Number.isFinite(fy)) throw bad('fy', 'a positive finite number', fy);
  if (!Number.isFinite(cx)) throw bad('cx', 'finite', cx);
  if (!Number.isFinite(cy)) throw bad('cy', 'finite', cy);
  if (m?.length !== 16 || !m.every(Number.isFinite))
    throw bad('worldToCamera', 'a finite row-major 4x4 (16 numbers)', m?.length);
  if (pixelConvention !== '3dgs' && pixelConvention !== 'opencv')
    throw new RangeError(
      `splat projection: pixelConvention must be '3dgs' or 'opencv', got ${String(pixelConvention)}`,
    );
  if (!Number.isFinite(near)) throw new RangeError(`splat projection: near must be finite, got ${near}`);
  return {
    width,
    height,
    fx,
    fy,
    cx,
    cy,
    rotation: Float64Array.of(m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]),
    translation: Float64Array.of(m[3], m[7], m[11]),
    pixelShift: pixelConvention === '3dgs' ? 0.5 : 0,
    near,
    limitX: JACOBIAN_CLAMP * (width / (2 * fx)),
    limitY: JACOBIAN_CLAMP * (height / (2 * fy)),
  };
}

/** Every intermediate of one Gaussian's projection; reused across Gaussians (no allocation per Gaussian). */
export class EwaScratch {
  /** Norm of the raw quaternion and the normalised quaternion w x y z. */
  qNorm = 0;
  readonly q = new Float64Array(4);
  /** Rotation, row-major. */
  readonly rotation = new Float64Array(9);
  /** exp(logScales). */
  readonly scale = new Float64Array(3);
  /** M = R diag(scale), row-major; Sigma = M M^T. */
  readonly m = new Float64Array(9);
  /** World-frame 3D covariance, full 3x3 row-major. */
  readonly sigma = new Float64Array(9);
  /** View-space mean (unclamped) and the clamped tx, ty used by the Jacobian. */
  readonly t = new Float64Array(3);
  txClamped = 0;
  tyClamped = 0;
  clampedX = false;
  clampedY = false;
  /** Non-zero entries of J. */
  j00 = 0;
  j02 = 0;
  j11 = 0;
  j12 = 0;
  /** Rows of T = J W (2 x 3, row-major). */
  readonly tMat = new Float64Array(6);
  /** Dilated 2D covariance [[a, b], [b, c]] and its determinant. */
  a = 0;
  b = 0;
  c = 0;
  det = 0;
  conicA = 0;
  conicB = 0;
  conicC = 0;
  meanX = 0;
  meanY = 0;
  radius = 0;
}

/**
 * Projects Gaussian `i`; returns false when it is culled here (behind the near plane, zero quaternion, degenerate
 * 2D covariance). Tile coverage is checked by the caller.
 */
export function projectOne(cloud: GaussianCloudLike, i: number, cam: CameraFrame, s: EwaScratch): boolean {
  const { means, quaternions, logScales } = cloud;
  const W = cam.rotation;
  const px = means[3 * i];
  const py = means[3 * i + 1];
  const pz = means[3 * i + 2];
  const t = s.t;
  t[0] = W[0] * px + W[1] * py + W[2] * pz + cam.translation[0];
  t[1] = W[3] * px + W[4] * py + W[5] * pz + cam.translation[1];
  t[2] = W[6] * px + W[7] * py + W[8] * pz + cam.translation[2];
  const tz = t[2];
  if (!(tz > cam.near)) return false;

  const qw0 = quaternions[4 * i];
  const qx0 = quaternions[4 * i + 1];
  const qy0 = quaternions[4 * i + 2];
  const qz0 = quaternions[4 * i + 3];
  const n = Math.sqrt(qw0 * qw0 + qx0 * qx0 + qy0 * qy0 + qz0 * qz0);
  if (!(n > 0)) return false;
  s.qNorm = n;
  const w = qw0 / n;
  const x = qx0 / n;
  const y = qy0 / n;
  const z = qz0 / n;
  s.q[0] = w;
  s.q[1] = x;
  s.q[2] = y;
  s.q[3] = z;
  const R = s.rotation;
  unitQuatToMatrixInto(w, x, y, z, R);
  const sc = s.scale;
  for (let k = 0; k < 3; k++) sc[k] = Math.exp(logScales[3 * i + k]);
  const M = s.m;
  for (let r = 0; r < 3; r++) for (let k = 0; k < 3; k++) M[3 * r + k] = R[3 * r + k] * sc[k];
  const S = s.sigma;
  for (let r = 0; r < 3; r++)
    for (let k = r; k < 3; k++) {
      const v = M[3 * r] * M[3 * k] + M[3 * r + 1] * M[3 * k + 1] + M[3 * r + 2] * M[3 * k + 2];
      S[3 * r + k] = v;
      S[3 * k + r] = v;
    }

  // Jacobian of the perspective map at the (clamped) view direction.
  const rx = t[0] / tz;
  const ry = t[1] / tz;
  s.clampedX = rx < -cam.limitX || rx > cam.limitX;
  s.clampedY = ry < -cam.limitY || ry > cam.limitY;
  s.txClamped = Math.min(cam.limitX, Math.max(-cam.limitX, rx)) * tz;
  s.tyClamped = Math.min(cam.limitY, Math.max(-cam.limitY, ry)) * tz;
  const tz2 = tz * tz;
  s.j00 = cam.fx / tz;
  s.j02 = (-cam.fx * s.txClamped) / tz2;
  s.j11 = cam.fy / tz;
  s.j12 = (-cam.fy * s.tyClamped) / tz2;
  const T = s.tMat;
  for (let k = 0; k < 3; k++) {
    T[k] = s.j00 * W[k] + s.j02 * W[6 + k];
    T[3 + k] = s.j11 * W[3 + k] + s.j12 * W[6 + k];
  }
  // cov2D = T Sigma T^T, dilated.
  let a = 0;
  let b = 0;
  let c = 0;
  for (let r = 0; r < 3; r++) {
    const st0 = S[3 * r] * T[0] + S[3 * r + 1] * T[1] + S[3 * r + 2] * T[2];
    const st1 = S[3 * r] * T[3] + S[3 * r + 1] * T[4] + S[3 * r + 2] * T[5];
    a += T[r] * st0;
    b += T[r] * st1;
    c += T[3 + r] * st1;
  }
  a += DILATION;
  c += DILATION;
  const det = a * c - b * b;
  if (!(det > 0)) return false;
  s.a = a;
  s.b = b;
  s.c = c;
  s.det = det;
  s.conicA = c / det;
  s.conicB = -b / det;
  s.conicC = a / det;
  const mid = 0.5 * (a + c);
  const lambdaMax = mid + Math.sqrt(Math.max(DISCRIMINANT_MIN, mid * mid - det));
  s.radius = Math.ceil(3 * Math.sqrt(lambdaMax));
  s.meanX = (cam.fx * t[0]) / tz + cam.cx - cam.pixelShift;
  s.meanY = (cam.fy * t[1]) / tz + cam.cy - cam.pixelShift;
  return true;
}
