// The EWA projection, its caller and its backward as they were before they were unrolled for speed: the oracle the
// fast code must reproduce bit for bit (test/projection-equality.test.ts). Verbatim copies, renamed.
import type { PinholeCamera } from '@gsdyn/geometry';
import { unitQuatToMatrixInto } from '@gsdyn/geometry';
import {
  type CameraFrame,
  cameraFrame,
  checkCloudArrays,
  DEFAULT_NEAR,
  DILATION,
  DISCRIMINANT_MIN,
  EwaScratch,
  type GaussianCloudLike,
} from '../src/ewa.js';
import type { FloatAllocator, FloatArray } from '../src/float-array.js';
import { CLAMPED_X, CLAMPED_Y, type ProjectionOf, type ProjectOptions } from '../src/project.js';
import type { GaussianGradientsOf, TileGradientsLike } from '../src/project-backward.js';
import { type TileRect, tileGrid, tileRect } from '../src/tiles.js';

export function projectOneReference(
  cloud: GaussianCloudLike,
  i: number,
  cam: CameraFrame,
  s: EwaScratch,
): boolean {
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

export function projectGaussiansAsReference<F extends FloatArray>(
  cloud: GaussianCloudLike,
  camera: PinholeCamera,
  options: ProjectOptions,
  alloc: FloatAllocator<F>,
): ProjectionOf<F> {
  checkCloudArrays(cloud);
  const pixelConvention = options.pixelConvention ?? '3dgs';
  const near = options.near ?? DEFAULT_NEAR;
  const cam = cameraFrame(camera, pixelConvention, near);
  const n = cloud.count;
  const channels = 3 + cloud.extraChannels;
  const out: ProjectionOf<F> = {
    count: n,
    channels,
    meanX: alloc(n),
    meanY: alloc(n),
    conicA: alloc(n),
    conicB: alloc(n),
    conicC: alloc(n),
    opacity: alloc(n),
    depth: alloc(n),
    radius: new Int32Array(n),
    features: alloc(n * channels),
    width: camera.width,
    height: camera.height,
    pixelConvention,
    near,
    viewMeans: alloc(3 * n),
    cov3D: alloc(6 * n),
    cov2D: alloc(3 * n),
    clampFlags: new Uint8Array(n),
  };
  const { tilesX, tilesY } = tileGrid(camera.width, camera.height);
  const rect: TileRect = { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  const s = new EwaScratch();
  const e = cloud.extraChannels;
  for (let i = 0; i < n; i++) {
    if (!projectOneReference(cloud, i, cam, s)) continue;
    tileRect(s.meanX, s.meanY, s.radius, tilesX, tilesY, rect);
    if ((rect.maxX - rect.minX) * (rect.maxY - rect.minY) === 0) continue;
    out.meanX[i] = s.meanX;
    out.meanY[i] = s.meanY;
    out.conicA[i] = s.conicA;
    out.conicB[i] = s.conicB;
    out.conicC[i] = s.conicC;
    out.opacity[i] = 1 / (1 + Math.exp(-cloud.logitOpacities[i]));
    out.depth[i] = s.t[2];
    out.radius[i] = s.radius;
    for (let k = 0; k < 3; k++) {
      out.features[i * channels + k] = cloud.colors[3 * i + k];
      out.viewMeans[3 * i + k] = s.t[k];
    }
    for (let k = 0; k < e; k++) out.features[i * channels + 3 + k] = cloud.extras[i * e + k];
    const S = s.sigma;
    const cov3D = out.cov3D;
    cov3D[6 * i] = S[0];
    cov3D[6 * i + 1] = S[1];
    cov3D[6 * i + 2] = S[2];
    cov3D[6 * i + 3] = S[4];
    cov3D[6 * i + 4] = S[5];
    cov3D[6 * i + 5] = S[8];
    out.cov2D[3 * i] = s.a;
    out.cov2D[3 * i + 1] = s.b;
    out.cov2D[3 * i + 2] = s.c;
    out.clampFlags[i] = (s.clampedX ? CLAMPED_X : 0) | (s.clampedY ? CLAMPED_Y : 0);
  }
  return out;
}

export function projectGaussiansBackwardAsReference<F extends FloatArray>(
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
    if (!projectOneReference(cloud, i, cam, s))
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
