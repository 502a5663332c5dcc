import type { PinholeCamera } from '@gsdyn/geometry';
import { cameraFrame, checkCloudArrays, EwaScratch, type GaussianCloudLike, projectOne } from './ewa.js';
import { type FloatAllocator, type FloatArray, float32 } from './float-array.js';
import type { Projection, ProjectionOf } from './project.js';
import type { GaussianCloud, GaussianGradients, TileBackwardResult } from './types.js';

/** GaussianGradients in a chosen precision. */
export interface GaussianGradientsOf<F extends FloatArray> {
  means: F;
  quaternions: F;
  logScales: F;
  logitOpacities: F;
  colors: F;
  extras: F;
  screenMeans: F;
}

/** What the projection backward reads of the tile-stage gradients (any precision). */
export interface TileGradientsLike {
  dMeanX: ArrayLike<number>;
  dMeanY: ArrayLike<number>;
  dConicA: ArrayLike<number>;
  dConicB: ArrayLike<number>;
  dConicC: ArrayLike<number>;
  dOpacity: ArrayLike<number>;
  dFeatures: ArrayLike<number>;
}

/**
 * Chains the tile-stage gradients back to the cloud parameters through the EWA projection (recomputed in float64
 * from the cloud, exactly as the forward computed it). Culled Gaussians (radius 0) get zero gradients.
 *
 * Where the Jacobian clamp is active, the clamped coordinate (tx = +-lim tz) passes no gradient to tx, as in 3DGS;
 * unlike 3DGS, its dependence on tz is differentiated exactly (3DGS uses 2 tx / tz^3 for the J02 term whether or
 * not tx was clamped, which is twice the true derivative when it was).
 */
export function projectGaussiansBackwardAs<F extends FloatArray>(
  cloud: GaussianCloudLike,
  camera: PinholeCamera,
  projection: Pick<ProjectionOf<FloatArray>, 'count' | 'radius' | 'pixelConvention' | 'near'>,
  grads: TileGradientsLike,
  alloc: FloatAllocator<F>,
): GaussianGradientsOf<F> {
  checkCloudArrays(cloud);
  const n = cloud.count;
  if (projection.count !== n)
    throw new RangeError(
      `splat projection backward: projection.count ${projection.count} != cloud.count ${n}`,
    );
  const E = cloud.extraChannels;
  const C = 3 + E;
  if (grads.dFeatures.length !== n * C)
    throw new RangeError(
      `splat projection backward: grads.dFeatures must have ${n * C} values (count x channels), got ${grads.dFeatures.length}`,
    );
  const cam = cameraFrame(camera, projection.pixelConvention, projection.near);
  const out: GaussianGradientsOf<F> = {
    means: alloc(3 * n),
    quaternions: alloc(4 * n),
    logScales: alloc(3 * n),
    logitOpacities: alloc(n),
    colors: alloc(3 * n),
    extras: alloc(E * n),
    screenMeans: alloc(2 * n),
  };
  const s = new EwaScratch();
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
  const { fx, fy } = cam;
  const { radius } = projection;
  const { dMeanX, dMeanY, dConicA, dConicB, dConicC, dOpacity, dFeatures } = grads;
  const { logitOpacities } = cloud;
  const { means, quaternions, logScales, colors, extras, screenMeans } = out;
  const { width, height } = camera;
  // Written out entry by entry on locals, like projectOne: every entry is the expression the loops over r, k
  // (gSigma, gM, gR) evaluated, in the same order of operations, so the gradients are bit for bit theirs.
  for (let i = 0; i < n; i++) {
    if (radius[i] <= 0) continue;
    if (!projectOne(cloud, i, cam, s))
      throw new RangeError(
        `splat projection backward: Gaussian ${i} is visible in the projection but culled by the cloud`,
      );
    colors[3 * i] = dFeatures[i * C];
    colors[3 * i + 1] = dFeatures[i * C + 1];
    colors[3 * i + 2] = dFeatures[i * C + 2];
    for (let k = 0; k < E; k++) extras[i * E + k] = dFeatures[i * C + 3 + k];
    const o = 1 / (1 + Math.exp(-logitOpacities[i]));
    out.logitOpacities[i] = dOpacity[i] * o * (1 - o);

    // Conic = inverse of the dilated 2D covariance [[a, b], [b, c]] (the dilation has unit derivative).
    const { a, b, c, det } = s;
    const gA = dConicA[i];
    const gB = dConicB[i];
    const gC = dConicC[i];
    const det2 = det * det;
    const dLa = (-c * c * gA + b * c * gB - b * b * gC) / det2;
    const dLb = (2 * b * c * gA - (a * c + b * b) * gB + 2 * a * b * gC) / det2;
    const dLc = (-b * b * gA + a * b * gB - a * a * gC) / det2;

    // a = T0 Sigma T0^T, b = T0 Sigma T1^T, c = T1 Sigma T1^T with T = J W:
    // dL/dSigma[r][k] = dLa T0r T0k + dLb (T0r T1k + T1r T0k) / 2 + dLc T1r T1k.
    const T = s.tMat;
    const t00 = T[0];
    const t01 = T[1];
    const t02 = T[2];
    const t10 = T[3];
    const t11 = T[4];
    const t12 = T[5];
    const S = s.sigma;
    const s00 = S[0];
    const s01 = S[1];
    const s02 = S[2];
    const s11 = S[4];
    const s12 = S[5];
    const s22 = S[8];
    const a0 = dLa * t00;
    const a1 = dLa * t01;
    const a2 = dLa * t02;
    const h = 0.5 * dLb;
    const c0 = dLc * t10;
    const c1 = dLc * t11;
    const c2 = dLc * t12;
    const g00 = a0 * t00 + h * (t00 * t10 + t10 * t00) + c0 * t10;
    const g01 = a0 * t01 + h * (t00 * t11 + t10 * t01) + c0 * t11;
    const g02 = a0 * t02 + h * (t00 * t12 + t10 * t02) + c0 * t12;
    const g10 = a1 * t00 + h * (t01 * t10 + t11 * t00) + c1 * t10;
    const g11 = a1 * t01 + h * (t01 * t11 + t11 * t01) + c1 * t11;
    const g12 = a1 * t02 + h * (t01 * t12 + t11 * t02) + c1 * t12;
    const g20 = a2 * t00 + h * (t02 * t10 + t12 * t00) + c2 * t10;
    const g21 = a2 * t01 + h * (t02 * t11 + t12 * t01) + c2 * t11;
    const g22 = a2 * t02 + h * (t02 * t12 + t12 * t02) + c2 * t12;
    // dL/dT rows (Sigma T^T columns), then dL/dJ through T = J W; sums start from 0 as the loop's did.
    const sT00 = s00 * t00 + s01 * t01 + s02 * t02;
    const sT01 = s00 * t10 + s01 * t11 + s02 * t12;
    const sT10 = s01 * t00 + s11 * t01 + s12 * t02;
    const sT11 = s01 * t10 + s11 * t11 + s12 * t12;
    const sT20 = s02 * t00 + s12 * t01 + s22 * t02;
    const sT21 = s02 * t10 + s12 * t11 + s22 * t12;
    const la2 = 2 * dLa;
    const lc2 = 2 * dLc;
    const gT00 = la2 * sT00 + dLb * sT01;
    const gT10 = dLb * sT00 + lc2 * sT01;
    const gT01 = la2 * sT10 + dLb * sT11;
    const gT11 = dLb * sT10 + lc2 * sT11;
    const gT02 = la2 * sT20 + dLb * sT21;
    const gT12 = dLb * sT20 + lc2 * sT21;
    const gJ00 = 0 + gT00 * w0 + gT01 * w1 + gT02 * w2;
    const gJ02 = 0 + gT00 * w6 + gT01 * w7 + gT02 * w8;
    const gJ11 = 0 + gT10 * w3 + gT11 * w4 + gT12 * w5;
    const gJ12 = 0 + gT10 * w6 + gT11 * w7 + gT12 * w8;

    // J = [[fx/tz, 0, -fx txc/tz^2], [0, fy/tz, -fy tyc/tz^2]] and the 2D mean fx tx/tz + cx - shift.
    const vt = s.t;
    const tx = vt[0];
    const ty = vt[1];
    const tz = vt[2];
    const tz2 = tz * tz;
    const tz3 = tz2 * tz;
    const gMx = dMeanX[i];
    const gMy = dMeanY[i];
    let gtx = (gMx * fx) / tz;
    let gty = (gMy * fy) / tz;
    let gtz = (-gMx * fx * tx) / tz2 - (gMy * fy * ty) / tz2 - (gJ00 * fx) / tz2 - (gJ11 * fy) / tz2;
    if (s.clampedX) gtz += (gJ02 * fx * s.txClamped) / tz3;
    else {
      gtx += (-gJ02 * fx) / tz2;
      gtz += (2 * gJ02 * fx * tx) / tz3;
    }
    if (s.clampedY) gtz += (gJ12 * fy * s.tyClamped) / tz3;
    else {
      gty += (-gJ12 * fy) / tz2;
      gtz += (2 * gJ12 * fy * ty) / tz3;
    }
    means[3 * i] = w0 * gtx + w3 * gty + w6 * gtz;
    means[3 * i + 1] = w1 * gtx + w4 * gty + w7 * gtz;
    means[3 * i + 2] = w2 * gtx + w5 * gty + w8 * gtz;
    screenMeans[2 * i] = (gMx * width) / 2;
    screenMeans[2 * i + 1] = (gMy * height) / 2;

    // Sigma = M M^T with M = R diag(scale): dL/dM = 2 sym(dL/dSigma) M.
    const M = s.m;
    const m00 = M[0];
    const m01 = M[1];
    const m02 = M[2];
    const m10 = M[3];
    const m11 = M[4];
    const m12 = M[5];
    const m20 = M[6];
    const m21 = M[7];
    const m22 = M[8];
    const gM00 = 2 * (g00 * m00 + g01 * m10 + g02 * m20);
    const gM01 = 2 * (g00 * m01 + g01 * m11 + g02 * m21);
    const gM02 = 2 * (g00 * m02 + g01 * m12 + g02 * m22);
    const gM10 = 2 * (g10 * m00 + g11 * m10 + g12 * m20);
    const gM11 = 2 * (g10 * m01 + g11 * m11 + g12 * m21);
    const gM12 = 2 * (g10 * m02 + g11 * m12 + g12 * m22);
    const gM20 = 2 * (g20 * m00 + g21 * m10 + g22 * m20);
    const gM21 = 2 * (g20 * m01 + g21 * m11 + g22 * m21);
    const gM22 = 2 * (g20 * m02 + g21 * m12 + g22 * m22);
    const R = s.rotation;
    const sc = s.scale;
    const sc0 = sc[0];
    const sc1 = sc[1];
    const sc2 = sc[2];
    logScales[3 * i] = (0 + gM00 * R[0] + gM10 * R[3] + gM20 * R[6]) * sc0;
    logScales[3 * i + 1] = (0 + gM01 * R[1] + gM11 * R[4] + gM21 * R[7]) * sc1;
    logScales[3 * i + 2] = (0 + gM02 * R[2] + gM12 * R[5] + gM22 * R[8]) * sc2;
    const gR0 = gM00 * sc0;
    const gR1 = gM01 * sc1;
    const gR2 = gM02 * sc2;
    const gR3 = gM10 * sc0;
    const gR4 = gM11 * sc1;
    const gR5 = gM12 * sc2;
    const gR6 = gM20 * sc0;
    const gR7 = gM21 * sc1;
    const gR8 = gM22 * sc2;
    const q = s.q;
    const w = q[0];
    const x = q[1];
    const y = q[2];
    const z = q[3];
    const gw = 2 * (-z * gR1 + y * gR2 + z * gR3 - x * gR5 - y * gR6 + x * gR7);
    const gx = 2 * (y * gR1 + z * gR2 + y * gR3 - 2 * x * gR4 - w * gR5 + z * gR6 + w * gR7 - 2 * x * gR8);
    const gy = 2 * (-2 * y * gR0 + x * gR1 + w * gR2 + x * gR3 + z * gR5 - w * gR6 + z * gR7 - 2 * y * gR8);
    const gz = 2 * (-2 * z * gR0 - w * gR1 + x * gR2 + w * gR3 - 2 * z * gR4 + y * gR5 + x * gR6 + y * gR7);
    // Through the normalisation q / |q|: project out the radial component.
    const radial = w * gw + x * gx + y * gy + z * gz;
    const qNorm = s.qNorm;
    quaternions[4 * i] = (gw - w * radial) / qNorm;
    quaternions[4 * i + 1] = (gx - x * radial) / qNorm;
    quaternions[4 * i + 2] = (gy - y * radial) / qNorm;
    quaternions[4 * i + 3] = (gz - z * radial) / qNorm;
  }
  return out;
}

/** Gradients of the cloud parameters from the tile-stage gradients of `projection` (float32). */
export function projectGaussiansBackward(
  cloud: GaussianCloud,
  camera: PinholeCamera,
  projection: Projection,
  grads: TileBackwardResult,
): GaussianGradients {
  return projectGaussiansBackwardAs(cloud, camera, projection, grads, float32);
}
