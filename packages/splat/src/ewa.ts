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
 *
 * Written out entry by entry on locals (the scratch arrays are filled for the backward pass, not read back): the
 * hot loop of every render. Each entry is the same expression, in the same order of operations, as the loops
 * R diag(scale), M M^T and T Sigma T^T would evaluate, so the results are bit for bit those of the loops
 * (test/projection-equality.test.ts keeps the loop version as the oracle).
 */
export function projectOne(cloud: GaussianCloudLike, i: number, cam: CameraFrame, s: EwaScratch): boolean {
  const { means, quaternions, logScales } = cloud;
  const W = cam.rotation;
  const w0 = W[0];
  const w1 = W[1];
  const w2 = W[2];
  const w3 = W[3];
  const w4 = W[4];
  const w5 = W[5];
  const w6 = W[6];
  const w7 = W[7];
  const w8 = W[8];
  const px = means[3 * i];
  const py = means[3 * i + 1];
  const pz = means[3 * i + 2];
  const translation = cam.translation;
  const tx = w0 * px + w1 * py + w2 * pz + translation[0];
  const ty = w3 * px + w4 * py + w5 * pz + translation[1];
  const tz = w6 * px + w7 * py + w8 * pz + translation[2];
  const t = s.t;
  t[0] = tx;
  t[1] = ty;
  t[2] = tz;
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
  const q = s.q;
  q[0] = w;
  q[1] = x;
  q[2] = y;
  q[3] = z;
  const R = s.rotation;
  unitQuatToMatrixInto(w, x, y, z, R);
  const sc0 = Math.exp(logScales[3 * i]);
  const sc1 = Math.exp(logScales[3 * i + 1]);
  const sc2 = Math.exp(logScales[3 * i + 2]);
  const sc = s.scale;
  sc[0] = sc0;
  sc[1] = sc1;
  sc[2] = sc2;
  // M = R diag(scale).
  const m00 = R[0] * sc0;
  const m01 = R[1] * sc1;
  const m02 = R[2] * sc2;
  const m10 = R[3] * sc0;
  const m11 = R[4] * sc1;
  const m12 = R[5] * sc2;
  const m20 = R[6] * sc0;
  const m21 = R[7] * sc1;
  const m22 = R[8] * sc2;
  const M = s.m;
  M[0] = m00;
  M[1] = m01;
  M[2] = m02;
  M[3] = m10;
  M[4] = m11;
  M[5] = m12;
  M[6] = m20;
  M[7] = m21;
  M[8] = m22;
  // Sigma = M M^T.
  const s00 = m00 * m00 + m01 * m01 + m02 * m02;
  const s01 = m00 * m10 + m01 * m11 + m02 * m12;
  const s02 = m00 * m20 + m01 * m21 + m02 * m22;
  const s11 = m10 * m10 + m11 * m11 + m12 * m12;
  const s12 = m10 * m20 + m11 * m21 + m12 * m22;
  const s22 = m20 * m20 + m21 * m21 + m22 * m22;
  const S = s.sigma;
  S[0] = s00;
  S[1] = s01;
  S[2] = s02;
  S[3] = s01;
  S[4] = s11;
  S[5] = s12;
  S[6] = s02;
  S[7] = s12;
  S[8] = s22;

  // Jacobian of the perspective map at the (clamped) view direction.
  const limitX = cam.limitX;
  const limitY = cam.limitY;
  const rx = tx / tz;
  const ry = ty / tz;
  s.clampedX = rx < -limitX || rx > limitX;
  s.clampedY = ry < -limitY || ry > limitY;
  const txClamped = Math.min(limitX, Math.max(-limitX, rx)) * tz;
  const tyClamped = Math.min(limitY, Math.max(-limitY, ry)) * tz;
  s.txClamped = txClamped;
  s.tyClamped = tyClamped;
  const { fx, fy } = cam;
  const tz2 = tz * tz;
  const j00 = fx / tz;
  const j02 = (-fx * txClamped) / tz2;
  const j11 = fy / tz;
  const j12 = (-fy * tyClamped) / tz2;
  s.j00 = j00;
  s.j02 = j02;
  s.j11 = j11;
  s.j12 = j12;
  // T = J W.
  const t00 = j00 * w0 + j02 * w6;
  const t01 = j00 * w1 + j02 * w7;
  const t02 = j00 * w2 + j02 * w8;
  const t10 = j11 * w3 + j12 * w6;
  const t11 = j11 * w4 + j12 * w7;
  const t12 = j11 * w5 + j12 * w8;
  const T = s.tMat;
  T[0] = t00;
  T[1] = t01;
  T[2] = t02;
  T[3] = t10;
  T[4] = t11;
  T[5] = t12;
  // cov2D = T Sigma T^T, dilated; the sums start from 0 as the loop's accumulators did (0 + -0 is +0).
  const st00 = s00 * t00 + s01 * t01 + s02 * t02;
  const st01 = s00 * t10 + s01 * t11 + s02 * t12;
  const st10 = s01 * t00 + s11 * t01 + s12 * t02;
  const st11 = s01 * t10 + s11 * t11 + s12 * t12;
  const st20 = s02 * t00 + s12 * t01 + s22 * t02;
  const st21 = s02 * t10 + s12 * t11 + s22 * t12;
  const a = 0 + t00 * st00 + t01 * st10 + t02 * st20 + DILATION;
  const b = 0 + t00 * st01 + t01 * st11 + t02 * st21;
  const c = 0 + t10 * st01 + t11 * st11 + t12 * st21 + DILATION;
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
  s.meanX = (fx * tx) / tz + cam.cx - cam.pixelShift;
  s.meanY = (fy * ty) / tz + cam.cy - cam.pixelShift;
  return true;
}
