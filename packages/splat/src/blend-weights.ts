import type { PinholeCamera } from '@gsdyn/geometry';
import { renderGaussians } from './render.js';
import type { GaussianCloud, PixelConvention, TileRasterizer } from './types.js';

export interface BlendWeightSettings {
  pixelConvention?: PixelConvention;
  rasterizer?: TileRasterizer;
}

/**
 * How much of each Gaussian a camera sees: the sum over the image of its blending weights w_i = alpha_i T_i (in
 * pixels; 0 for a Gaussian culled, off-screen or behind opaque ones). The image is linear in the features, so
 * d(sum of channel 0)/d(feature 0 of Gaussian i) is exactly that sum: one backward pass of the rasteriser with a
 * gradient of 1 on the first channel gives it for every Gaussian at once.
 */
export function blendWeights(
  cloud: GaussianCloud,
  camera: PinholeCamera,
  settings: BlendWeightSettings = {},
): Float32Array {
  const result = renderGaussians(cloud, camera, settings);
  const pixels = result.width * result.height;
  const dImage = new Float32Array(result.channels * pixels);
  dImage.fill(1, 0, pixels);
  const grads = result.rasterizer.backward(
    result.projection,
    result.bins,
    result.tiles,
    result.background,
    dImage,
    undefined,
  );
  const out = new Float32Array(cloud.count);
  for (let i = 0; i < cloud.count; i++) out[i] = grads.dFeatures[i * result.channels];
  return out;
}
