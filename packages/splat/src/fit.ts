import { type PinholeCamera, Random } from '@gsdyn/geometry';
import { Adam } from './adam.js';
import { type CloudParamName, cloneCloud, cloudAdamGroups } from './cloud.js';
import { accumulateScreenGradients, createDensifyState, densifyAndPrune, resetOpacities } from './densify.js';
import { depthLoss } from './loss/depth-loss.js';
import { imageLoss, SSIM_RADIUS } from './loss/image-loss.js';
import { cropPlanes, growRegion, type PixelRegion, placePlanes } from './loss/region.js';
import { type RenderResult, renderGaussians, renderGaussiansBackward } from './render.js';
import type { GaussianCloud, PixelConvention, TileRasterizer } from './types.js';

/** One training image: a camera and its target (planar RGB, 3 x H x W, values in [0, 1]). */
export interface FitView {
  camera: PinholeCamera;
  target: Float32Array;
  /**
   * Target of the cloud's extra channels (planar E x H x W), e.g. the object mask for a segmentation channel:
   * compared with the same 0.8 L1 + 0.2 D-SSIM loss, weighted by `FitOptions.extraWeight`.
   */
  extraTarget?: Float32Array;
  /**
   * Captured depth of the object (H x W, metres along the optical axis, 0 = no reading or not the object): the target
   * of the depth loss (loss/depth-loss.ts), weighted by `FitOptions.depthWeight`.
   */
  depthTarget?: Float32Array;
}

/**
 * A differentiable transform of the rendered colour before the loss, per view (the tracker's per-camera colour
 * correction): `apply` maps the render, `backward` maps dL/d(output) to dL/d(render) and may accumulate the
 * gradients of its own parameters, `step` updates them once per iteration. With `region`, `rgb` (and `grad`) are that
 * crop of the view's image (cropPlanes' layout) and the transform is pointwise, so the crop of its output.
 */
export interface ColorTransform {
  apply(view: number, rgb: Float32Array, region?: PixelRegion): Float32Array;
  backward(view: number, rgb: Float32Array, grad: Float32Array, region?: PixelRegion): Float32Array;
  step(): void;
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
  /** Weight of the colour loss (default 1) and of the extra-channel loss (default 0: extras are not fitted). */
  imageWeight?: number;
  extraWeight?: number;
  /** Weight of the depth loss (per metre of mean absolute depth error) on views with a depthTarget; default 0. */
  depthWeight?: number;
  colorTransform?: ColorTransform;
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
    const viewIndex = rng.int(views.length);
    const view = views[viewIndex];
    const { camera } = view;
    const withDepth = usesDepth(view, options.depthWeight);
    const result = renderGaussians(cloud, camera, {
      background,
      pixelConvention: options.pixelConvention,
      rasterizer: options.rasterizer,
      depth: withDepth,
    });
    const { loss, dImage } = viewLoss(cloud, view, viewIndex, result.image, options);
    const depth = withDepth ? viewDepthLoss(view, result, options.depthWeight ?? 0) : undefined;
    losses[it] = loss + (depth?.loss ?? 0);
    const grads = renderGaussiansBackward(
      cloud,
      camera,
      result,
      dImage,
      depth?.dAlpha,
      options.rasterizer,
      depth?.dDepthSum,
    );
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
    options.colorTransform?.step();
    options.onProgress?.(it + 1, options.iterations, loss, cloud.count);
  }
  return { cloud, losses, densifications };
}

/** Options of viewLoss. */
export interface ViewLossOptions
  extends Pick<FitOptions, 'ssimWeight' | 'imageWeight' | 'extraWeight' | 'colorTransform'> {
  /**
   * A rectangle outside which the render, its colour transform and the targets are all zero (a render on black
   * against masked targets: the rendered tiles united with the mask's box). The loss is then computed on that
   * rectangle grown by the SSIM window's reach and scaled to the whole image: the same value and gradient as
   * without it, to rounding, for a fraction of the pixels. A wrong rectangle gives a wrong loss.
   */
  contentRegion?: PixelRegion;
}

/**
 * The loss of one rendered view and its gradient image (planar, colour then extras): imageWeight x the colour loss
 * (after the optional colour transform) + extraWeight x the extra-channel loss.
 */
export function viewLoss(
  cloud: GaussianCloud,
  view: FitView,
  viewIndex: number,
  image: Float32Array,
  options: ViewLossOptions,
): { loss: number; colorLoss: number; extraLoss: number; dImage: Float32Array } {
  const { width: W, height: H } = view.camera;
  const plane = W * H;
  const E = cloud.extraChannels;
  if (image.length !== (3 + E) * plane)
    throw new RangeError(
      `viewLoss: image has ${image.length} values, expected (3 + ${E} extra channels) x ${W} x ${H}`,
    );
  const extraWeight = options.extraWeight ?? 0;
  const withExtras = extraWeight > 0 && view.extraTarget !== undefined && E > 0;
  const content = options.contentRegion;
  if (content !== undefined) {
    const dImage = new Float32Array(image.length);
    if (content.width <= 0 || content.height <= 0) {
      // Render and targets black everywhere: nothing to fit.
      return { loss: 0, colorLoss: 0, extraLoss: 0, dImage };
    }
    const region = growRegion(content, 2 * SSIM_RADIUS, W, H);
    const pixels = region.width * region.height;
    if (pixels < plane) {
      const share = pixels / plane;
      const crop = (planes: Float32Array, channels: number) => cropPlanes(planes, channels, W, H, region);
      const loss = viewLossOn(
        crop(image, 3 + E),
        crop(view.target, 3),
        withExtras && view.extraTarget ? crop(view.extraTarget, E) : undefined,
        E,
        region.width,
        region.height,
        viewIndex,
        options,
        region,
      );
      // Outside the region L1 is 0 and SSIM 1: the whole image's means are the region's times its share.
      placePlanes(loss.dImage, 3 + E, W, H, region, dImage, share);
      return {
        loss: share * loss.loss,
        colorLoss: share * loss.colorLoss,
        extraLoss: share * loss.extraLoss,
        dImage,
      };
    }
  }
  return viewLossOn(
    image,
    view.target,
    withExtras ? view.extraTarget : undefined,
    E,
    W,
    H,
    viewIndex,
    options,
    undefined,
  );
}

/** viewLoss on whole planes of `width` x `height` pixels: the full image, or the crop `region` of it. */
function viewLossOn(
  image: Float32Array,
  target: Float32Array,
  extraTarget: Float32Array | undefined,
  extraChannels: number,
  width: number,
  height: number,
  viewIndex: number,
  options: ViewLossOptions,
  region: PixelRegion | undefined,
): { loss: number; colorLoss: number; extraLoss: number; dImage: Float32Array } {
  const plane = width * height;
  const rendered = image.subarray(0, 3 * plane);
  const transform = options.colorTransform;
  const rgb = transform ? transform.apply(viewIndex, rendered, region) : rendered;
  const colour = imageLoss(rgb, target, 3, width, height, { ssimWeight: options.ssimWeight });
  const imageWeight = options.imageWeight ?? 1;
  const dImage = new Float32Array(image.length);
  const dRgb = transform ? transform.backward(viewIndex, rendered, colour.grad, region) : colour.grad;
  for (let i = 0; i < dRgb.length; i++) dImage[i] = imageWeight * dRgb[i];
  let extraLoss = 0;
  const extraWeight = options.extraWeight ?? 0;
  if (extraTarget !== undefined) {
    const extra = imageLoss(image.subarray(3 * plane), extraTarget, extraChannels, width, height, {
      ssimWeight: options.ssimWeight,
    });
    extraLoss = extra.value;
    for (let i = 0; i < extra.grad.length; i++) dImage[3 * plane + i] = extraWeight * extra.grad[i];
  }
  return {
    loss: imageWeight * colour.value + extraWeight * extraLoss,
    colorLoss: colour.value,
    extraLoss,
    dImage,
  };
}

/** Whether a view's render needs its depth channel: it has a depth target and the depth loss has a weight. */
export function usesDepth(view: FitView, depthWeight: number | undefined): boolean {
  return view.depthTarget !== undefined && (depthWeight ?? 0) > 0;
}

/**
 * The weighted depth loss of a render made with `depth` (renderGaussians) against the view's depth target, and its
 * gradients for renderGaussiansBackward.
 */
export function viewDepthLoss(
  view: FitView,
  result: Pick<RenderResult, 'depthSum' | 'alpha'>,
  weight: number,
): { loss: number; rawLoss: number; dDepthSum: Float32Array; dAlpha: Float32Array } {
  if (view.depthTarget === undefined || result.depthSum === undefined)
    throw new RangeError('viewDepthLoss: the view needs a depthTarget and the render its depth channel');
  const d = depthLoss(result.depthSum, result.alpha, view.depthTarget);
  for (let i = 0; i < d.dDepthSum.length; i++) {
    d.dDepthSum[i] *= weight;
    d.dAlpha[i] *= weight;
  }
  return { loss: weight * d.value, rawLoss: d.value, dDepthSum: d.dDepthSum, dAlpha: d.dAlpha };
}

/** 1.1 x the largest distance of a camera centre from the mean of the centres (the reference's scene radius). */
export function sceneRadius(centres: readonly (readonly number[])[]): number {
  const mean = [0, 1, 2].map((k) => centres.reduce((s, c) => s + c[k], 0) / centres.length);
  return 1.1 * Math.max(...centres.map((c) => Math.hypot(c[0] - mean[0], c[1] - mean[1], c[2] - mean[2])));
}
