import type { PinholeCamera } from '@gsdyn/geometry';
import {
  cameraFrame,
  checkCloudArrays,
  DEFAULT_NEAR,
  EwaScratch,
  type GaussianCloudLike,
  projectOne,
} from './ewa.js';
import { type FloatAllocator, type FloatArray, float32 } from './float-array.js';
import { type TileRect, tileGrid, tileRect } from './tiles.js';
import type { GaussianCloud, PixelConvention, ProjectedGaussians } from './types.js';

export interface ProjectOptions {
  /** Default '3dgs' (half-pixel shift). */
  pixelConvention?: PixelConvention;
  /** View-space z at or below which Gaussians are culled, metres. Default 0.2 (3DGS). */
  near?: number;
}

/** ProjectedGaussians in a chosen float precision. */
export interface ProjectedGaussiansOf<F extends FloatArray> {
  count: number;
  channels: number;
  meanX: F;
  meanY: F;
  conicA: F;
  conicB: F;
  conicC: F;
  opacity: F;
  depth: F;
  radius: Int32Array;
  features: F;
}

/** Clamp flags of the EWA Jacobian (bit set: the view direction was clamped, no gradient flows through it). */
export const CLAMPED_X = 1;
export const CLAMPED_Y = 2;

/** The projection plus what the backward pass and diagnostics want. Culled Gaussians have zeros everywhere. */
export interface ProjectionOf<F extends FloatArray> extends ProjectedGaussiansOf<F> {
  width: number;
  height: number;
  pixelConvention: PixelConvention;
  near: number;
  /** 3N view-space means (OpenCV camera axes, metres), before the Jacobian clamp. */
  viewMeans: F;
  /** 6N world-frame 3D covariances, upper triangle xx xy xz yy yz zz. */
  cov3D: F;
  /** 3N dilated 2D covariances a b c ([[a, b], [b, c]], px^2); the conic is their inverse. */
  cov2D: F;
  /** N: CLAMPED_X | CLAMPED_Y bits. */
  clampFlags: Uint8Array;
}

export interface Projection extends ProjectionOf<Float32Array>, ProjectedGaussians {}

/**
 * Projects every Gaussian into the camera (3DGS preprocess): 2D means, conics, radii, depths, activated opacities
 * and features. Computed in float64, stored in the allocator's precision.
 */
export function projectGaussiansAs<F extends FloatArray>(
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
  const { logitOpacities, colors, extras } = cloud;
  const { meanX, meanY, conicA, conicB, conicC, opacity, depth, radius, features } = out;
  const { viewMeans, cov3D, cov2D, clampFlags } = out;
  const t = s.t;
  const S = s.sigma;
  for (let i = 0; i < n; i++) {
    if (!projectOne(cloud, i, cam, s)) continue;
    tileRect(s.meanX, s.meanY, s.radius, tilesX, tilesY, rect);
    if ((rect.maxX - rect.minX) * (rect.maxY - rect.minY) === 0) continue;
    meanX[i] = s.meanX;
    meanY[i] = s.meanY;
    conicA[i] = s.conicA;
    conicB[i] = s.conicB;
    conicC[i] = s.conicC;
    opacity[i] = 1 / (1 + Math.exp(-logitOpacities[i]));
    depth[i] = t[2];
    radius[i] = s.radius;
    const f = i * channels;
    features[f] = colors[3 * i];
    features[f + 1] = colors[3 * i + 1];
    features[f + 2] = colors[3 * i + 2];
    for (let k = 0; k < e; k++) features[f + 3 + k] = extras[i * e + k];
    viewMeans[3 * i] = t[0];
    viewMeans[3 * i + 1] = t[1];
    viewMeans[3 * i + 2] = t[2];
    cov3D[6 * i] = S[0];
    cov3D[6 * i + 1] = S[1];
    cov3D[6 * i + 2] = S[2];
    cov3D[6 * i + 3] = S[4];
    cov3D[6 * i + 4] = S[5];
    cov3D[6 * i + 5] = S[8];
    cov2D[3 * i] = s.a;
    cov2D[3 * i + 1] = s.b;
    cov2D[3 * i + 2] = s.c;
    clampFlags[i] = (s.clampedX ? CLAMPED_X : 0) | (s.clampedY ? CLAMPED_Y : 0);
  }
  return out;
}

/** Projects a cloud into a camera, float32 outputs: the input of binGaussians and of every TileRasterizer. */
export function projectGaussians(
  cloud: GaussianCloud,
  camera: PinholeCamera,
  options: ProjectOptions = {},
): Projection {
  return projectGaussiansAs(cloud, camera, options, float32);
}
