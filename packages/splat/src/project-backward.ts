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
  const gSigma = new Float64Array(9);
  const gM = new Float64Array(9);
  const gR = new Float64Array(9);
  const W = cam.rotation;
  const { fx, fy } = cam;
  for (let i = 0; i < n; i++) {
    if (projection.radius[i] <= 0) continue;
    if (!projectOne(cloud, i, cam, s))
      throw new RangeError(
        `splat projection backward: Gaussian ${i} is visible in the projection but culled by the cloud`,
      );
    for (let k = 0; k < 3; k++) out.colors[3 * i + k] = grads.dFeatures[i * C + k];
    for (let k = 0; k < E; k++) out.extras[i * E + k] = grads.dFeatures[i * C + 3 + k];
    const o = 1 / (1 + Math.exp(-cloud.logitOpacities[i]));
    out.logitOpacities[i] = grads.dOpacity[i] * o * (1 - o);

    // Conic = inverse of the dilated 2D covariance [[a, b], [b, c]] (the dilation has unit derivative).
    const { a, b, c, det } = s;
    const gA = grads.dConicA[i];
    const gB = grads.dConicB[i];
    const gC = grads.dConicC[i];
    const det2 = det * det;
    const dLa = (-c * c * gA + b * c * gB - b * b * gC) / det2;
    const dLb = (2 * b * c * gA - (a * c + b * b) * gB + 2 * a * b * gC) / det2;
    const dLc = (-b * b * gA + a * b * gB - a * a * gC) / det2;

    // a = T0 Sigma T0^T, b = T0 Sigma T1^T, c = T1 Sigma T1^T with T = J W.
    const T = s.tMat;
    const S = s.sigma;
    for (let r = 0; r < 3; r++)
      for (let k = 0; k < 3; k++)
        gSigma[3 * r + k] =
          dLa * T[r] * T[k] + 0.5 * dLb * (T[r] * T[3 + k] + T[3 + r] * T[k]) + dLc * T[3 + r] * T[3 + k];
    let gJ00 = 0;
    let gJ02 = 0;
    let gJ11 = 0;
    let gJ12 = 0;
    for (let k = 0; k < 3; k++) {
      const sT0 = S[3 * k] * T[0] + S[3 * k + 1] * T[1] + S[3 * k + 2] * T[2];
      const sT1 = S[3 * k] * T[3] + S[3 * k + 1] * T[4] + S[3 * k + 2] * T[5];
      const gT0 = 2 * dLa * sT0 + dLb * sT1;
      const gT1 = dLb * sT0 + 2 * dLc * sT1;
      gJ00 += gT0 * W[k];
      gJ02 += gT0 * W[6 + k];
      gJ11 += gT1 * W[3 + k];
      gJ12 += gT1 * W[6 + k];
    }

    // J = [[fx/tz, 0, -fx txc/tz^2], [0, fy/tz, -fy tyc/tz^2]] and the 2D mean fx tx/tz + cx - shift.
    const [tx, ty, tz] = s.t;
    const tz2 = tz * tz;
    const tz3 = tz2 * tz;
    const gMx = grads.dMeanX[i];
    const gMy = grads.dMeanY[i];
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
    for (let k = 0; k < 3; k++) out.means[3 * i + k] = W[k] * gtx + W[3 + k] * gty + W[6 + k] * gtz;
    out.screenMeans[2 * i] = (gMx * camera.width) / 2;
    out.screenMeans[2 * i + 1] = (gMy * camera.height) / 2;

    // Sigma = M M^T with M = R diag(scale): dL/dM = 2 sym(dL/dSigma) M.
    const M = s.m;
    const R = s.rotation;
    for (let r = 0; r < 3; r++)
      for (let k = 0; k < 3; k++)
        gM[3 * r + k] =
          2 * (gSigma[3 * r] * M[k] + gSigma[3 * r + 1] * M[3 + k] + gSigma[3 * r + 2] * M[6 + k]);
    for (let k = 0; k < 3; k++) {
      let gs = 0;
      for (let r = 0; r < 3; r++) {
        gs += gM[3 * r + k] * R[3 * r + k];
        gR[3 * r + k] = gM[3 * r + k] * s.scale[k];
      }
      out.logScales[3 * i + k] = gs * s.scale[k];
    }
    const [w, x, y, z] = s.q;
    const gw = 2 * (-z * gR[1] + y * gR[2] + z * gR[3] - x * gR[5] - y * gR[6] + x * gR[7]);
    const gx =
      2 *
      (y * gR[1] + z * gR[2] + y * gR[3] - 2 * x * gR[4] - w * gR[5] + z * gR[6] + w * gR[7] - 2 * x * gR[8]);
    const gy =
      2 *
      (-2 * y * gR[0] +
        x * gR[1] +
        w * gR[2] +
        x * gR[3] +
        z * gR[5] -
        w * gR[6] +
        z * gR[7] -
        2 * y * gR[8]);
    const gz =
      2 *
      (-2 * z * gR[0] -
        w * gR[1] +
        x * gR[2] +
        w * gR[3] -
        2 * z * gR[4] +
        y * gR[5] +
        x * gR[6] +
        y * gR[7]);
    // Through the normalisation q / |q|: project out the radial component.
    const radial = w * gw + x * gx + y * gy + z * gz;
    out.quaternions[4 * i] = (gw - w * radial) / s.qNorm;
    out.quaternions[4 * i + 1] = (gx - x * radial) / s.qNorm;
    out.quaternions[4 * i + 2] = (gy - y * radial) / s.qNorm;
    out.quaternions[4 * i + 3] = (gz - z * radial) / s.qNorm;
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
