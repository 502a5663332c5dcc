import type { PinholeCamera } from '@gsdyn/geometry';
import { type Projection, projectGaussians } from './project.js';
import { projectGaussiansBackward } from './project-backward.js';
import { referenceTileRasterizer } from './tile-rasterizer-reference.js';
import { binGaussians } from './tiles.js';
import type {
  GaussianCloud,
  GaussianGradients,
  PixelConvention,
  TileBins,
  TileForwardResult,
  TileRasterizer,
} from './types.js';

export interface RenderSettings {
  /** Length 3 + extraChannels; default zeros (black, as the tracker renders). */
  background?: ArrayLike<number>;
  /** Default '3dgs'. */
  pixelConvention?: PixelConvention;
  /** Default 0.2 m. */
  near?: number;
  /** Default the TypeScript reference. */
  rasterizer?: TileRasterizer;
  /**
   * Also blend each Gaussian's view-space depth like a colour channel, into `RenderResult.depthSum`, so that a depth
   * loss can reach the means (the rasteriser's own expected and median depths have no backward pass).
   */
  depth?: boolean;
}

export interface RenderResult {
  width: number;
  height: number;
  /** 3 + extraChannels. */
  channels: number;
  /** Planar channels x H x W, background included (tiles.features, or its first planes when depth is rendered). */
  image: Float32Array;
  /**
   * With `settings.depth`: H x W sum over blended Gaussians of w_i z_i (w_i = alpha_i T_i, z_i the view-space depth,
   * metres), differentiable through renderGaussiansBackward's dDepthSum. depthSum / alpha is the mean depth.
   */
  depthSum?: Float32Array;
  /** H x W, 1 - final transmittance. */
  alpha: Float32Array;
  expectedDepth: Float32Array;
  medianDepth: Float32Array;
  /** N screen radii, 0 = culled (the same array as projection.radius). */
  radii: Int32Array;
  projection: Projection;
  bins: TileBins;
  tiles: TileForwardResult;
  background: Float32Array;
  /** The tile rasteriser that rendered this: renderGaussiansBackward uses it unless told otherwise. */
  rasterizer: TileRasterizer;
}

/** Renders a cloud into a camera: project, bin into tiles, blend front to back. */
export function renderGaussians(
  cloud: GaussianCloud,
  camera: PinholeCamera,
  settings: RenderSettings = {},
): RenderResult {
  const channels = 3 + cloud.extraChannels;
  const background = new Float32Array(channels);
  if (settings.background !== undefined) {
    if (settings.background.length !== channels)
      throw new RangeError(
        `splat render: settings.background must have ${channels} values (3 + extraChannels), got ${settings.background.length}`,
      );
    background.set(Array.from(settings.background));
  }
  const projection = projectGaussians(cloud, camera, {
    pixelConvention: settings.pixelConvention,
    near: settings.near,
  });
  const bins = binGaussians(projection, camera.width, camera.height);
  const rasterizer = settings.rasterizer ?? referenceTileRasterizer;
  const pixels = camera.width * camera.height;
  if (settings.depth) {
    // One more feature channel holding z: the rasteriser blends and differentiates it like any colour.
    const blended = withDepthFeature(projection);
    const tiles = rasterizer.forward(blended, bins, camera.width, camera.height, withZero(background));
    return {
      ...renderResult(camera, channels, tiles, blended, bins, background, rasterizer),
      image: tiles.features.subarray(0, channels * pixels),
      depthSum: tiles.features.subarray(channels * pixels, (channels + 1) * pixels),
    };
  }
  const tiles = rasterizer.forward(projection, bins, camera.width, camera.height, background);
  return renderResult(camera, channels, tiles, projection, bins, background, rasterizer);
}

function renderResult(
  camera: PinholeCamera,
  channels: number,
  tiles: TileForwardResult,
  projection: Projection,
  bins: TileBins,
  background: Float32Array,
  rasterizer: TileRasterizer,
): RenderResult {
  return {
    width: camera.width,
    height: camera.height,
    channels,
    image: tiles.features,
    alpha: tiles.alpha,
    expectedDepth: tiles.expectedDepth,
    medianDepth: tiles.medianDepth,
    radii: projection.radius,
    projection,
    bins,
    tiles,
    background,
    rasterizer,
  };
}

/**
 * Gradients of a loss with respect to the cloud, given dL/d(image) (planar like `result.image`) and optionally
 * dL/d(alpha) and, for a render with `depth`, dL/d(depthSum). `result` must come from renderGaussians on the same
 * cloud and camera. `meanwhile`: the caller's work that does not need these gradients, run on this thread while the
 * rasteriser's workers start the tile pass (TileRasterizer.backward).
 */
export function renderGaussiansBackward(
  cloud: GaussianCloud,
  camera: PinholeCamera,
  result: RenderResult,
  dImage: Float32Array,
  dAlpha?: Float32Array,
  rasterizer: TileRasterizer = result.rasterizer ?? referenceTileRasterizer,
  dDepthSum?: Float32Array,
  meanwhile?: () => void,
): GaussianGradients {
  const pixels = result.width * result.height;
  if (dImage.length !== result.channels * pixels)
    throw new RangeError(
      `splat render backward: dImage must have ${result.channels * pixels} values (channels x H x W), got ${dImage.length}`,
    );
  if (dAlpha !== undefined && dAlpha.length !== pixels)
    throw new RangeError(
      `splat render backward: dAlpha must have ${pixels} values (H x W), got ${dAlpha.length}`,
    );
  if (dDepthSum !== undefined && result.depthSum === undefined)
    throw new RangeError(
      'splat render backward: dDepthSum given, but the render has no depth (settings.depth)',
    );
  if (dDepthSum !== undefined && dDepthSum.length !== pixels)
    throw new RangeError(
      `splat render backward: dDepthSum must have ${pixels} values (H x W), got ${dDepthSum.length}`,
    );
  if (camera.width !== result.width || camera.height !== result.height)
    throw new RangeError(
      `splat render backward: camera is ${camera.width}x${camera.height} but the render is ${result.width}x${result.height}`,
    );
  if (result.depthSum === undefined) {
    const tileGrads = rasterizer.backward(
      result.projection,
      result.bins,
      result.tiles,
      result.background,
      dImage,
      dAlpha,
      meanwhile,
    );
    return projectGaussiansBackward(cloud, camera, result.projection, tileGrads);
  }
  const C = result.channels;
  const dFeatureImage = new Float32Array((C + 1) * pixels);
  dFeatureImage.set(dImage);
  if (dDepthSum !== undefined) dFeatureImage.set(dDepthSum, C * pixels);
  const tileGrads = rasterizer.backward(
    result.projection,
    result.bins,
    result.tiles,
    withZero(result.background),
    dFeatureImage,
    dAlpha,
    meanwhile,
  );
  // Split the depth channel's per-Gaussian gradient off, and chain it through z = (row 3 of world-to-camera) . mean.
  const n = cloud.count;
  const dFeatures = new Float32Array(n * C);
  const dZ = new Float32Array(n);
  const all = tileGrads.dFeatures;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < C; k++) dFeatures[i * C + k] = all[i * (C + 1) + k];
    dZ[i] = all[i * (C + 1) + C];
  }
  const grads = projectGaussiansBackward(cloud, camera, result.projection, { ...tileGrads, dFeatures });
  const m = camera.worldToCamera;
  const { radius } = result.projection;
  for (let i = 0; i < n; i++) {
    if (radius[i] <= 0) continue;
    grads.means[3 * i] += dZ[i] * m[8];
    grads.means[3 * i + 1] += dZ[i] * m[9];
    grads.means[3 * i + 2] += dZ[i] * m[10];
  }
  return grads;
}

/** The projection with one more feature channel per Gaussian: its view-space depth (0 where culled). */
function withDepthFeature(projection: Projection): Projection {
  const { count: n, channels: C, features, depth } = projection;
  const out = new Float32Array(n * (C + 1));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < C; k++) out[i * (C + 1) + k] = features[i * C + k];
    out[i * (C + 1) + C] = depth[i];
  }
  return { ...projection, channels: C + 1, features: out };
}

function withZero(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length + 1);
  out.set(values);
  return out;
}
