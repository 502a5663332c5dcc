import type { PinholeCamera } from '@gsdyn/geometry';
import { type BlendWeightSettings, blendWeights, type GaussianCloud, selectGaussians } from '@gsdyn/splat';

/**
 * After the frame-0 fit most Gaussians of a volumetric object sit behind the few that paint its surface (on the
 * benchmark plush, 12,050 of 12,887 Gaussians add up to less than one pixel of blending weight over all four
 * cameras): densification's splits and clones land inside, and once hidden nothing moves them. No image loss ever
 * reaches them, so at later frames they only follow the priors, and they cost time in every render and every prior.
 * This keeps the Gaussians whose blending weights, summed over every camera's image, reach `minWeight` pixels.
 */
export function visibleGaussians(
  cloud: GaussianCloud,
  cameras: readonly PinholeCamera[],
  minWeight: number,
  settings: BlendWeightSettings = {},
): Uint32Array {
  const total = new Float64Array(cloud.count);
  for (const camera of cameras) {
    const weights = blendWeights(cloud, camera, settings);
    for (let i = 0; i < cloud.count; i++) total[i] += weights[i];
  }
  const keep: number[] = [];
  for (let i = 0; i < cloud.count; i++) if (total[i] >= minWeight) keep.push(i);
  return Uint32Array.from(keep);
}

/** The cloud without the Gaussians that `visibleGaussians` does not keep. */
export function dropHiddenGaussians(
  cloud: GaussianCloud,
  cameras: readonly PinholeCamera[],
  minWeight: number,
  settings: BlendWeightSettings = {},
): GaussianCloud {
  return selectGaussians(cloud, visibleGaussians(cloud, cameras, minWeight, settings));
}
