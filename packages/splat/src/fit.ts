import { type PinholeCamera, Random } from '@gsdyn/geometry';
import { Adam } from './adam.js';
import { type CloudParamName, cloneCloud, cloudAdamGroups } from './cloud.js';
import { accumulateScreenGradients, createDensifyState, densifyAndPrune, resetOpacities } from './densify.js';
import { imageLoss } from './loss/image-loss.js';
import { renderGaussians, renderGaussiansBackward } from './render.js';
import type { GaussianCloud, PixelConvention, TileRasterizer } from './types.js';

/** One training image: a camera and its target (planar RGB, 3 x H x W, values in [0, 1]). */
export interface FitView {
  camera: PinholeCamera;
  target: Float32Array;
}

/** Parameter groups of the optimiser, named as GaussianCloud fields. */
export type FitParameter = CloudParamName;

/**
 * The reference's Adam learning rates (reference-implementation.md 3.3); means scale with the scene radius.
 * A rate of 0 freezes a group.
 */
export function referenceLearningRates(sceneRadius: number): Record<FitParameter, number> {
  return {
    means: 1.6e-4 * sceneRadius,
    quaternions: 1e-3,
    logScales: 1e-3,
    logitOpacities: 5e-2,
    colors: 2.5e-3,
    extras: 0,
  };
}

/**
 * The reference's frame-0 densification schedule (3.4) for 10,000 iterations, scaled to other lengths:
 * densify every 100 iterations from 500 to 5,000, reset opacities at 3,000, prune big Gaussians from 3,000 on, and
 * prune at opacity 0.25 (instead of 0.005) at 5,000.
 */
export interface DensifySchedule {
  from: number;
  until: number;
  every: number;
  opacityResetAt: number;
  pruneBigFrom: number;
  strictPruneAt: number;
  strictPruneOpacity: number;
  gradThreshold: number;
  scaleFraction: number;
}

/** Below this many iterations the scaled reference schedule leaves no time to recover from its opacity reset. */
export const MIN_DENSIFY_ITERATIONS = 1000;

export function referenceDensifySchedule(iterations: number): DensifySchedule {
  const at = (i: number) => Math.round((i * iterations) / 10_000);
  return {
    from: at(500),
    until: at(5000),
    every: Math.max(1, at(100)),
    opacityResetAt: at(3000),
    pruneBigFrom: at(3000),
    strictPruneAt: at(5000),
    strictPruneOpacity: 0.25,
    gradThreshold: 2e-4,
    scaleFraction: 0.05,
  };
}

export interface FitOptions {
  iterations: number;
  seed: number;
  /** Radius of the camera rig (1.1 x the largest camera distance from their mean): scales the means' learning rate and the densification thresholds. */
  sceneRadius: number;
  learningRates?: Partial<Record<FitParameter, number>>;
  /**
   * Densify and prune on this schedule; false keeps the Gaussians as they are. Default: the reference schedule
   * scaled to `iterations` from 1,000 iterations on, none below (the opacity reset needs a few hundred iterations
   * after it for the opacities to recover).
   */
  densify?: DensifySchedule | false;
  ssimWeight?: number;
  pixelConvention?: PixelConvention;
  rasterizer?: TileRasterizer;
  onProgress?: (iteration: number, iterations: number, loss: number, gaussians: number) => void;
}

export interface FitResult {
  cloud: GaussianCloud;
  /** Loss per iteration. */
  losses: Float32Array;
  densifications: { iteration: number; cloned: number; split: number; pruned: number; count: number }[];
}

/**
 * Fits a Gaussian cloud to images (the tracker's first-frame optimisation): one randomly drawn view per iteration,
 * loss 0.8 L1 + 0.2 D-SSIM against the target on a black background, Adam on every parameter group, and
 * optionally the reference's densification and pruning. The input cloud is not modified.
 */
export function fitGaussians(
  initial: GaussianCloud,
  views: readonly FitView[],
  options: FitOptions,
): FitResult {
  if (views.length === 0) throw new RangeError('fitGaussians: no views');
  const rng = new Random(options.seed);
  const densifyRng = rng.fork();
  const rates = { ...referenceLearningRates(options.sceneRadius), ...options.learningRates };
  let cloud = cloneCloud(initial);
  const adam = new Adam(cloudAdamGroups(cloud, rates));
  const schedule =
    options.densify !== undefined
      ? options.densify
      : options.iterations >= MIN_DENSIFY_ITERATIONS && referenceDensifySchedule(options.iterations);
  let densifyState = createDensifyState(cloud.count);
  const losses = new Float32Array(options.iterations);
  const densifications: FitResult['densifications'] = [];
  const background = new Float32Array(3 + cloud.extraChannels);

  for (let it = 0; it < options.iterations; it++) {
    const view = views[rng.int(views.length)];
    const { camera } = view;
    const result = renderGaussians(cloud, camera, {
      background,
      pixelConvention: options.pixelConvention,
      rasterizer: options.rasterizer,
    });
    const W = camera.width;
    const H = camera.height;
    // Extras (e.g. segmentation) are not part of this loss: compare the colour planes only.
    const rgb = result.image.subarray(0, 3 * W * H);
    const loss = imageLoss(rgb, view.target, 3, W, H, { ssimWeight: options.ssimWeight });
    losses[it] = loss.value;
    const dImage = new Float32Array(result.image.length);
    dImage.set(loss.grad);
    const grads = renderGaussiansBackward(cloud, camera, result, dImage, undefined, options.rasterizer);
    adam.step({
      means: grads.means,
      quaternions: grads.quaternions,
      logScales: grads.logScales,
      logitOpacities: grads.logitOpacities,
      colors: grads.colors,
      extras: grads.extras,
    });

    if (schedule && it <= schedule.until) {
      accumulateScreenGradients(densifyState, grads.screenMeans, result.radii);
      const step = it + 1;
      if (step >= schedule.from && step % schedule.every === 0) {
        const strict = step === schedule.strictPruneAt;
        const out = densifyAndPrune(cloud, adam, densifyState, {
          gradThreshold: schedule.gradThreshold,
          sceneRadius: options.sceneRadius,
          scaleFraction: schedule.scaleFraction,
          minOpacity: strict ? schedule.strictPruneOpacity : 0.005,
          pruneBig: step >= schedule.pruneBigFrom,
          rng: densifyRng,
        });
        cloud = out.cloud;
        densifyState = out.state;
        densifications.push({
          iteration: step,
          cloned: out.cloned,
          split: out.split,
          pruned: out.pruned,
          count: cloud.count,
        });
      }
      if (step === schedule.opacityResetAt) resetOpacities(cloud, adam);
    }
    options.onProgress?.(it + 1, options.iterations, loss.value, cloud.count);
  }
  return { cloud, losses, densifications };
}

/** 1.1 x the largest distance of a camera centre from the mean of the centres (the reference's scene radius). */
export function sceneRadius(centres: readonly (readonly number[])[]): number {
  const mean = [0, 1, 2].map((k) => centres.reduce((s, c) => s + c[k], 0) / centres.length);
  return 1.1 * Math.max(...centres.map((c) => Math.hypot(c[0] - mean[0], c[1] - mean[1], c[2] - mean[2])));
}
