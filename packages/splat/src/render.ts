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
}

export interface RenderResult {
  width: number;
  height: number;
  /** 3 + extraChannels. */
  channels: number;
  /** Planar channels x H x W, background included (the same array as tiles.features). */
  image: Float32Array;
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
  const tiles = rasterizer.forward(projection, bins, camera.width, camera.height, background);
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
 * dL/d(alpha). `result` must come from renderGaussians on the same cloud and camera.
 */
export function renderGaussiansBackward(
  cloud: GaussianCloud,
  camera: PinholeCamera,
  result: RenderResult,
  dImage: Float32Array,
  dAlpha?: Float32Array,
  rasterizer: TileRasterizer = result.rasterizer ?? referenceTileRasterizer,
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
  if (camera.width !== result.width || camera.height !== result.height)
    throw new RangeError(
      `splat render backward: camera is ${camera.width}x${camera.height} but the render is ${result.width}x${result.height}`,
    );
  const tileGrads = rasterizer.backward(
    result.projection,
    result.bins,
    result.tiles,
    result.background,
    dImage,
    dAlpha,
  );
  return projectGaussiansBackward(cloud, camera, result.projection, tileGrads);
}
