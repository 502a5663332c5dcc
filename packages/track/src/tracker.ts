import { type Episode, readEpisode } from '@gsdyn/formats';
import { cameraCentre, Random } from '@gsdyn/geometry';
import {
  Adam,
  type ColorTransform,
  checkCloud,
  cloneCloud,
  cloudFromPointCloud,
  cropPlanes,
  type FitView,
  fitGaussians,
  type GaussianCloud,
  type GaussianGradients,
  initialPoints,
  loadFrameViews,
  maskRegion,
  type PixelConvention,
  type PixelRegion,
  type RenderResult,
  referenceLearningRates,
  renderedRegion,
  renderGaussians,
  renderGaussiansBackward,
  sceneRadius,
  type TileRasterizer,
  uniteRegions,
  usesDepth,
  viewDepthLoss,
  viewLoss,
} from '@gsdyn/splat';
import {
  applyColorAffine,
  type ColorAffine,
  colorAffineBackward,
  createColorAffine,
} from './color-correction.js';
import { dropHiddenGaussians } from './hidden-gaussians.js';
import {
  buildNeighbourGraph,
  checkNeighbourSpread,
  DEFAULT_NEIGHBOURS,
  type NeighbourGraph,
} from './losses/neighbours.js';
import {
  addPhysicalGradients,
  createPhysicalWorkspace,
  type PhysicalPriorInputs,
  type PhysicalValues,
  physicalPriors,
} from './losses/physical-priors.js';
import { addTableLoss } from './losses/table.js';
import { fillOccluded, occludedPixels } from './occlusion.js';
import { type PresetName, type TrackPreset, type TrackWeights, trackPreset } from './presets.js';
import { applyRigidMotion, centreOf, radiusOf, rigidMotionGradient } from './rigid-alignment.js';

export interface TrackOptions {
  preset?: PresetName;
  /** Iterations at frame 0 (all parameters, densification) and at every later frame (means and rotations). */
  itersFirst?: number;
  iters?: number;
  /** Initial Gaussians at most (before densification). */
  maxGaussians?: number;
  seed?: number;
  /** Track only the first n frames. */
  frames?: number;
  /**
   * Weight of the depth loss (mean absolute depth error in metres against the masked captured depth; not in the
   * reference): overrides the preset's (gs-dynamics 50, dyn3dgs 0). 0 turns it off.
   */
  depthWeight?: number;
  /**
   * Iterations of coarse rigid alignment of the whole object before each later frame's per-Gaussian iterations
   * (rigid-alignment.ts; not in the reference): overrides the preset's (gs-dynamics 30, dyn3dgs 0).
   */
  alignIters?: number;
  /**
   * After the frame-0 fit, drop the Gaussians whose blending weights summed over every camera's image are below
   * this many pixels (hidden-gaussians.ts; not in the reference): overrides the preset's. 0 keeps them all.
   */
  minVisibleWeight?: number;
  /**
   * Each later frame starts from the previous one moved on by this fraction of its last velocity: 1 is the reference's
   * constant-velocity prediction, 0 the previous frame as it is. Overrides the preset's.
   */
  velocityScale?: number;
  /** Spread of the physical priors' neighbourhoods (buildNeighbourGraph): overrides the preset's (gs-dynamics 5, dyn3dgs 1). */
  neighbourSpread?: number;
  /**
   * Start from this frame-0 fit (the cloud as fitted, before hidden Gaussians are dropped, and the colour correction)
   * instead of fitting frame 0: re-tracking the later frames with other settings gives what a full run with them
   * would.
   */
  firstFrame?: FirstFrameFit;
  /** Override the preset's colorOffsetOnMask (gs-dynamics on, dyn3dgs off). */
  colorOffsetOnMask?: boolean;
  /** Override the preset's occlusion handling (occlusion.ts): gs-dynamics on, dyn3dgs off. */
  occlusionAware?: boolean;
  pixelConvention?: PixelConvention;
  rasterizer?: TileRasterizer;
  onProgress?: (progress: TrackProgress) => void;
}

export interface TrackProgress {
  frame: number;
  frames: number;
  /** Iteration within the frame (a later frame's rigid alignment iterations come first), and the frame's total. */
  iteration: number;
  iterations: number;
  /** Iterations done over the whole track, and in all. */
  done: number;
  total: number;
  loss: number;
  gaussians: number;
}

/** The frame-0 fit: every parameter of the cloud, and the per-camera colour correction. */
export interface FirstFrameFit {
  cloud: GaussianCloud;
  colorAffine: ColorAffine;
  /** The fit's final loss. */
  loss: number;
}

export interface TrackResult {
  episode: string;
  frames: number;
  preset: TrackPreset;
  pixelConvention: PixelConvention;
  /** (frames, N, 3) and (frames, N, 4) normalised w x y z. */
  means: Float32Array;
  rotations: Float32Array;
  /** The frame-0 cloud: static parameters (for dyn3dgs, colours and scales as fitted at frame 0). */
  cloud: GaussianCloud;
  /** The frame-0 fit itself, before hidden Gaussians were dropped (TrackOptions.firstFrame). */
  firstFrame: FirstFrameFit;
  colorAffine: ColorAffine;
  /** Final value of each loss term per frame. */
  losses: Record<string, number>[];
  seconds: number[];
  options: Record<string, unknown>;
}

/** Adam's step of the coarse rigid alignment (metres; about 5x the reference's per-Gaussian mean rate for the demo rig). */
const ALIGN_LEARNING_RATE = 6e-4;

export const TRACK_DEFAULTS = { itersFirst: 3000, iters: 150, maxGaussians: 20_000, seed: 0 } as const;

/**
 * The iterations trackEpisode runs in all (TrackProgress.total), for a progress bar made before it starts: frame 0's,
 * then each later frame's alignment and own. `alignIters` defaults to the preset's for the episode's object.
 */
export function plannedTrackIterations(
  frames: number,
  objectKind: string | undefined,
  options: Pick<TrackOptions, 'preset' | 'itersFirst' | 'iters' | 'alignIters'> = {},
): number {
  const alignIters =
    options.alignIters ?? trackPreset(options.preset ?? 'gs-dynamics', objectKind).alignIters;
  const itersFirst = options.itersFirst ?? TRACK_DEFAULTS.itersFirst;
  const iters = options.iters ?? TRACK_DEFAULTS.iters;
  return itersFirst + Math.max(0, frames - 1) * (alignIters + iters);
}

/** Seg channel value of every Gaussian: all start on the object (the init points are masked). */
const FOREGROUND = 1;

/**
 * Dense 3D tracking of an episode with dynamic 3D Gaussians (the paper's modified Dyn3DGS): fit all parameters at
 * frame 0 (with a segmentation channel against the masks, per-camera colour correction, densification), then, frame
 * after frame, start from a constant-velocity prediction and optimise means and rotations (plus colours and scales
 * for the dyn3dgs preset) against the images with local rigidity, rotation similarity, isometry, table and background
 * terms.
 */
export async function trackEpisode(episodeDir: string, options: TrackOptions = {}): Promise<TrackResult> {
  const episode = await readEpisode(episodeDir);
  const preset = trackPreset(options.preset ?? 'gs-dynamics', episode.manifest.object?.kind);
  const itersFirst = options.itersFirst ?? TRACK_DEFAULTS.itersFirst;
  const iters = options.iters ?? TRACK_DEFAULTS.iters;
  const seed = options.seed ?? TRACK_DEFAULTS.seed;
  const pixelConvention = options.pixelConvention ?? 'opencv';
  const T = Math.min(options.frames ?? episode.manifest.frameCount, episode.manifest.frameCount);
  const rng = new Random(seed);
  const w = preset.weights;
  const C = episode.cameras.length;
  const radius = sceneRadius(episode.cameras.map((c) => cameraCentre(c)));
  const rates = referenceLearningRates(radius);
  const seconds: number[] = [];
  const losses: Record<string, number>[] = [];

  const alignIters = options.alignIters ?? preset.alignIters;
  if (!Number.isInteger(alignIters) || alignIters < 0)
    throw new RangeError(`trackEpisode: alignIters must be a whole number >= 0, got ${alignIters}`);
  const depthWeight = options.depthWeight ?? w.depth;
  if (!(depthWeight >= 0))
    throw new RangeError(`trackEpisode: depthWeight must be a number >= 0, got ${depthWeight}`);
  const minVisibleWeight = options.minVisibleWeight ?? preset.minVisibleWeight;
  if (!(minVisibleWeight >= 0))
    throw new RangeError(`trackEpisode: minVisibleWeight must be a number >= 0, got ${minVisibleWeight}`);
  const velocityScale = options.velocityScale ?? preset.velocityScale;
  if (!(velocityScale >= 0 && velocityScale <= 1))
    throw new RangeError(`trackEpisode: velocityScale must be a number from 0 to 1, got ${velocityScale}`);
  const neighbourSpread = options.neighbourSpread ?? preset.neighbourSpread;
  // Checked here, before the minutes of the frame-0 fit, not only when the graph is built after it.
  checkNeighbourSpread(neighbourSpread, 'trackEpisode: neighbourSpread');
  const occlusionAware = options.occlusionAware ?? preset.occlusionAware;
  const colorOffsetOnMask = options.colorOffsetOnMask ?? preset.colorOffsetOnMask;
  const perLaterFrame = alignIters + iters;
  const totalIterations = plannedTrackIterations(T, episode.manifest.object?.kind, {
    preset: preset.name,
    itersFirst,
    iters,
    alignIters,
  });
  const reportLater = (frame: number, it: number, loss: number, gaussians: number) =>
    options.onProgress?.({
      frame,
      frames: T,
      iteration: it + 1,
      iterations: perLaterFrame,
      done: itersFirst + (frame - 1) * perLaterFrame + it + 1,
      total: totalIterations,
      loss,
      gaussians,
    });

  // Frame 0: everything, unless the fit is given.
  let started = performance.now();
  const fitSeed = rng.nextUint32();
  const firstFrame =
    options.firstFrame === undefined
      ? await fitFirstFrame(episode, {
          maxGaussians: options.maxGaussians ?? TRACK_DEFAULTS.maxGaussians,
          iterations: itersFirst,
          seed,
          fitSeed,
          sceneRadius: radius,
          weights: w,
          depthWeight,
          pixelConvention,
          rasterizer: options.rasterizer,
          onProgress: (iteration, iterations, loss, gaussians) =>
            options.onProgress?.({
              frame: 0,
              frames: T,
              iteration,
              iterations,
              done: iteration,
              total: totalIterations,
              loss,
              gaussians,
            }),
        })
      : checkedFirstFrame(options.firstFrame, C);
  const { colorAffine } = firstFrame;
  // The frame-0 state the later frames are tracked from; `tracked` is its working copy.
  const frame0 =
    minVisibleWeight > 0
      ? dropHiddenGaussians(firstFrame.cloud, episode.cameras, minVisibleWeight, {
          pixelConvention,
          rasterizer: options.rasterizer,
        })
      : firstFrame.cloud;
  const N = frame0.count;
  const means = new Float32Array(T * N * 3);
  const rotations = new Float32Array(T * N * 4);
  means.set(frame0.means, 0);
  rotations.set(frame0.quaternions, 0);
  losses.push({ total: firstFrame.loss });
  seconds.push((performance.now() - started) / 1000);

  // The neighbour graph is fixed at frame 0, over foreground Gaussians.
  const foreground = indicesWhere(frame0, (i) => frame0.extras[i] >= 0.5);
  const background = indicesWhere(frame0, (i) => frame0.extras[i] < 0.5);
  const graph: NeighbourGraph = buildNeighbourGraph(
    frame0.means,
    DEFAULT_NEIGHBOURS,
    foreground,
    neighbourSpread,
  );
  // Scratch of the physical priors, reused by every later iteration (N is fixed after frame 0).
  const physicalWorkspace = createPhysicalWorkspace(graph, N);
  const tableScratch = new Float64Array(3 * N);

  const tracked = cloneCloud(frame0);
  const groups = [
    { name: 'means', params: tracked.means, lr: rates.means },
    { name: 'quaternions', params: tracked.quaternions, lr: rates.quaternions },
    ...(preset.dynamicColors ? [{ name: 'colors', params: tracked.colors, lr: rates.colors }] : []),
    ...(preset.dynamicScales ? [{ name: 'logScales', params: tracked.logScales, lr: rates.logScales }] : []),
  ];
  const adam = new Adam(groups);
  const backgroundColour = new Float32Array(3 + frame0.extraChannels);

  for (let t = 1; t < T; t++) {
    started = performance.now();
    const { raw, views, depths, hasMasks } = await frameViews(
      episode,
      t,
      depthWeight > 0 || occlusionAware,
      depthWeight > 0,
    );
    const prevMeans = means.slice((t - 1) * N * 3, t * N * 3);
    const prevQuaternions = rotations.slice((t - 1) * N * 4, t * N * 4);
    const prevColors = tracked.colors.slice();
    // Velocity prediction from the last two frames (zero velocity at t = 1), scaled by velocityScale.
    const before = t >= 2 ? t - 2 : t - 1;
    for (let i = 0; i < N * 3; i++)
      tracked.means[i] = prevMeans[i] + velocityScale * (prevMeans[i] - means[before * N * 3 + i]);
    for (let i = 0; i < N * 4; i++)
      tracked.quaternions[i] =
        prevQuaternions[i] + velocityScale * (prevQuaternions[i] - rotations[before * N * 4 + i]);
    normaliseQuaternions(tracked.quaternions);
    // New frame, new landscape: zero the moments but keep the step count (bias correction stays near 1).
    adam.resetMoments();
    const offsetMasks = colorOffsetOnMask ? raw.masks : undefined;
    const frozenAffine = fixedAffine(colorAffine, offsetMasks, episode.cameras);
    // With the offset on the masks only, a render on black and the masked targets are black outside the rendered
    // tiles and the mask's box: the image loss need only look there (viewLoss's contentRegion).
    const maskBoxes = offsetMasks?.map((mask, c) =>
      maskRegion(mask, episode.cameras[c].width, episode.cameras[c].height),
    );
    const occlusion = occlusionAware
      ? frameOcclusion(depths, raw.masks, views, colorAffine, offsetMasks !== undefined, (camera) =>
          renderGaussians(tracked, camera, {
            background: backgroundColour,
            pixelConvention,
            rasterizer: options.rasterizer,
          }),
        )
      : undefined;
    let last: Record<string, number> = {};
    // The priors' inputs at this frame (the arrays change in place from iteration to iteration).
    const priorInputs: PhysicalPriorInputs = {
      graph,
      means: tracked.means,
      quaternions: tracked.quaternions,
      prevMeans,
      prevQuaternions,
      table: { indices: foreground },
      background: {
        indices: background,
        means0: frame0.means,
        quaternions0: frame0.quaternions,
      },
    };
    const priors = () => physicalPriors(priorInputs, w, physicalWorkspace);
    // Coarse rigid alignment first (rigid-alignment.ts): a translation and a rotation vector scaled by the object's
    // radius, so that both are in metres and share Adam's step.
    const motion = new Float32Array(6);
    const alignAdam = new Adam([{ name: 'motion', params: motion, lr: ALIGN_LEARNING_RATE }]);
    const centre = centreOf(tracked.means, foreground);
    const radius = Math.max(radiusOf(tracked.means, foreground, centre), 1e-3);
    for (let it = 0; it < alignIters + iters; it++) {
      const v = rng.int(C);
      const withDepth = usesDepth(views[v], depthWeight);
      const result = renderGaussians(tracked, views[v].camera, {
        background: backgroundColour,
        pixelConvention,
        rasterizer: options.rasterizer,
        depth: withDepth,
      });
      const view = occlusion ? occlusion.maskedView(v, result.image) : views[v];
      const image = viewLoss(tracked, view, v, result.image, {
        imageWeight: w.image,
        extraWeight: hasMasks ? w.seg : 0,
        colorTransform: frozenAffine,
        contentRegion: maskBoxes ? contentRegion(result, maskBoxes[v]) : undefined,
      });
      const depth = withDepth ? viewDepthLoss(view, result, depthWeight) : undefined;
      const aligning = it < alignIters;
      // Rigidity, rotation similarity, isometry, table and background at the same parameters, computed while the
      // rasteriser's workers run the backward tile pass (their weighted gradients wait in the workspace).
      let physical: PhysicalValues | undefined;
      const grads = renderGaussiansBackward(
        tracked,
        view.camera,
        result,
        image.dImage,
        depth?.dAlpha,
        options.rasterizer,
        depth?.dDepthSum,
        aligning
          ? undefined
          : () => {
              physical = priors();
            },
      );
      if (aligning) {
        // A rigid motion of the whole object leaves rigidity, rotation similarity and isometry as they are (their
        // gradients project to zero on it) and does not move the background: of the priors only the table counts.
        tableScratch.fill(0);
        addTableLoss(tracked.means, foreground, 0, w.table, tableScratch);
        for (let i = 0; i < tableScratch.length; i++) grads.means[i] += tableScratch[i];
        const g = rigidMotionGradient(
          tracked.means,
          tracked.quaternions,
          grads.means,
          grads.quaternions,
          foreground,
          centre,
        );
        const motionBefore = motion.slice();
        alignAdam.step({ motion: Float32Array.of(...g.translation, ...g.rotation.map((v) => v / radius)) });
        const step = Array.from(motion, (v, k) => v - motionBefore[k]);
        applyRigidMotion(
          tracked.means,
          tracked.quaternions,
          foreground,
          centre,
          step.slice(0, 3),
          step.slice(3).map((v) => v / radius),
        );
        for (let k = 0; k < 3; k++) centre[k] += step[k];
        reportLater(t, it, image.loss, N);
        continue;
      }
      // A rasteriser of the caller's that ignores `meanwhile` only costs the overlap.
      const prior = physical ?? priors();
      addPhysicalGradients(physicalWorkspace, grads);
      let total = image.loss + prior.weighted + (depth?.loss ?? 0);
      last = {
        image: image.colorLoss,
        seg: image.extraLoss,
        rigid: prior.rigid,
        rot: prior.rot,
        iso: prior.iso,
        table: prior.table,
        bg: prior.bg,
      };
      if (depth) last.depth = depth.rawLoss;
      if (occlusion) last.occludedPixels = occlusion.pixels;
      if (preset.dynamicColors && w.colorConsistency > 0) {
        let l1 = 0;
        for (let i = 0; i < prevColors.length; i++) {
          const d = tracked.colors[i] - prevColors[i];
          l1 += Math.abs(d);
          grads.colors[i] += (w.colorConsistency * Math.sign(d)) / prevColors.length;
        }
        total += (w.colorConsistency * l1) / prevColors.length;
        last.colorConsistency = l1 / prevColors.length;
      }
      last.total = total;
      adam.step(
        pick(
          grads,
          groups.map((g) => g.name),
        ),
      );
      reportLater(t, it, total, N);
    }
    normaliseQuaternions(tracked.quaternions);
    means.set(tracked.means, t * N * 3);
    rotations.set(tracked.quaternions, t * N * 4);
    losses.push(last);
    seconds.push((performance.now() - started) / 1000);
  }

  const result: GaussianCloud = {
    ...frame0,
    colors: preset.dynamicColors ? tracked.colors.slice() : frame0.colors,
  };
  return {
    episode: episode.dir,
    frames: T,
    preset,
    pixelConvention,
    means,
    rotations,
    cloud: result,
    firstFrame,
    colorAffine,
    losses,
    seconds,
    options: {
      preset: preset.name,
      itersFirst,
      iters,
      seed,
      maxGaussians: options.maxGaussians ?? TRACK_DEFAULTS.maxGaussians,
      occlusionAware,
      depthWeight,
      alignIters,
      minVisibleWeight,
      velocityScale,
      neighbourSpread,
      colorOffsetOnMask,
      weights: w,
    },
  };
}

/**
 * The fitting views of a frame, with the mask as the target of the segmentation channel, and the frame's captured depth
 * images (mm) when `needDepth` and the episode has depth images and masks: read once here, for both the depth targets
 * (`withDepthTargets`: metres, 0 off the mask) and the occlusion step.
 */
async function frameViews(episode: Episode, frame: number, needDepth: boolean, withDepthTargets: boolean) {
  const raw = await loadFrameViews(episode, frame);
  const masks = raw.masks;
  const depths =
    needDepth && episode.manifest.images.depth && masks
      ? (await Promise.all(raw.cameras.map((_, c) => episode.readDepth(c, frame)))).map((d) => d.data)
      : undefined;
  const views: FitView[] = raw.cameras.map((camera, c) => {
    const mask = masks?.[c];
    const extraTarget = mask ? Float32Array.from(mask, (m) => (m > 0 ? 1 : 0)) : undefined;
    const depth = withDepthTargets ? depths?.[c] : undefined;
    const depthTarget =
      mask && depth ? Float32Array.from(depth, (d, i) => (mask[i] > 0 ? d / 1000 : 0)) : undefined;
    return { camera, target: raw.targets[c], extraTarget, depthTarget };
  });
  return { raw, views, depths, hasMasks: masks !== undefined };
}

/**
 * The frame's occluded pixels per camera, from the predicted pose (`renderPredicted`, once per camera), the masks
 * and the captured depth, and a view whose targets agree with the current render there. Undefined without depth
 * images or masks.
 */
function frameOcclusion(
  depths: Uint16Array[] | undefined,
  masks: Uint8Array[] | undefined,
  views: FitView[],
  affine: ColorAffine,
  offsetOnMask: boolean,
  renderPredicted: (camera: FitView['camera']) => { alpha: Float32Array; medianDepth: Float32Array },
) {
  if (depths === undefined || masks === undefined) return undefined;
  const occluded: Uint32Array[] = [];
  for (let c = 0; c < views.length; c++) {
    const { camera } = views[c];
    const render = renderPredicted(camera);
    occluded.push(
      occludedPixels(render.alpha, render.medianDepth, depths[c], masks[c], camera.width, camera.height),
    );
  }
  // Working copies of the targets of the cameras with occluded pixels, and the frozen colour correction that maps
  // a render into the target's space (identity for the segmentation channels). Occluded pixels are off the mask, so
  // with the offset on the mask only they get the gain alone.
  const masked: FitView[] = views.map((view, c) =>
    occluded[c].length === 0
      ? view
      : {
          camera: view.camera,
          target: view.target.slice(),
          extraTarget: view.extraTarget?.slice(),
          // Occluded pixels are off the mask, so the depth target already ignores them.
          depthTarget: view.depthTarget,
        },
  );
  const gains = views.map((_, c) => [0, 1, 2].map((ch) => Math.exp(affine.logGain[3 * c + ch])));
  const offsets = views.map((_, c) =>
    offsetOnMask ? new Float32Array(3) : affine.offset.subarray(3 * c, 3 * c + 3),
  );
  const segChannels = views.map((v) => (v.extraTarget?.length ?? 0) / (v.camera.width * v.camera.height));
  const segGains = segChannels.map((e) => new Array<number>(e).fill(1));
  const segOffsets = segChannels.map((e) => new Array<number>(e).fill(0));
  return {
    /** Occluded pixels summed over the cameras. */
    pixels: occluded.reduce((sum, o) => sum + o.length, 0),
    maskedView(c: number, rendered: Float32Array): FitView {
      const view = masked[c];
      const hidden = occluded[c];
      if (hidden.length === 0) return view;
      const plane = view.camera.width * view.camera.height;
      fillOccluded(view.target, rendered, plane, 3, hidden, gains[c], offsets[c]);
      if (view.extraTarget)
        fillOccluded(
          view.extraTarget,
          rendered.subarray(3 * plane),
          plane,
          segChannels[c],
          hidden,
          segGains[c],
          segOffsets[c],
        );
      return view;
    },
  };
}

interface FirstFrameSettings {
  maxGaussians: number;
  iterations: number;
  /** Seeds the thinning of the initial points, and the fit. */
  seed: number;
  fitSeed: number;
  sceneRadius: number;
  weights: TrackWeights;
  depthWeight: number;
  pixelConvention: PixelConvention;
  rasterizer: TileRasterizer | undefined;
  onProgress: (iteration: number, iterations: number, loss: number, gaussians: number) => void;
}

/**
 * Frame 0: Gaussians from the episode's point cloud or masked depth, every parameter fitted (segmentation channel
 * against the masks, per-camera colour correction, depth, densification); quaternions normalised.
 */
async function fitFirstFrame(episode: Episode, o: FirstFrameSettings): Promise<FirstFrameFit> {
  const views0 = await frameViews(episode, 0, o.depthWeight > 0, o.depthWeight > 0);
  const init = await initialPoints(episode, views0.raw, { maxPoints: o.maxGaussians, seed: o.seed });
  const start = cloudFromPointCloud(init.positions, init.colors, {
    extras: new Float32Array(init.positions.length / 3).fill(FOREGROUND),
    extraChannels: 1,
  });
  const colorAffine = createColorAffine(episode.cameras.length);
  const w = o.weights;
  const fit = fitGaussians(start, views0.views, {
    iterations: o.iterations,
    seed: o.fitSeed,
    sceneRadius: o.sceneRadius,
    // Relative weights only: Adam's steps do not depend on the loss scale, but the densification threshold on the
    // screen-space gradient (2e-4, as in 3DGS) does, so the colour term keeps weight 1 as in a plain fit.
    imageWeight: 1,
    extraWeight: views0.hasMasks ? w.seg / w.image : 0,
    depthWeight: o.depthWeight / w.image,
    colorTransform: colorAffineTransform(colorAffine),
    pixelConvention: o.pixelConvention,
    rasterizer: o.rasterizer,
    onProgress: o.onProgress,
  });
  normaliseQuaternions(fit.cloud.quaternions);
  return { cloud: fit.cloud, colorAffine, loss: fit.losses[fit.losses.length - 1] };
}

/**
 * A given frame-0 fit, checked against the episode (one colour correction per camera), copied so that the caller's
 * stays as it was, with unit quaternions.
 */
function checkedFirstFrame(fit: FirstFrameFit, cameras: number): FirstFrameFit {
  checkCloud(fit.cloud, 'trackEpisode: options.firstFrame.cloud');
  for (const field of ['logGain', 'offset'] as const)
    if (fit.colorAffine[field].length !== 3 * cameras)
      throw new RangeError(
        `trackEpisode: options.firstFrame.colorAffine.${field} has ${fit.colorAffine[field].length} values, expected 3 per camera (${3 * cameras})`,
      );
  const cloud = cloneCloud(fit.cloud);
  normaliseQuaternions(cloud.quaternions);
  return { cloud, colorAffine: cloneColorAffine(fit.colorAffine), loss: fit.loss };
}

function cloneColorAffine(affine: ColorAffine): ColorAffine {
  return { logGain: affine.logGain.slice(), offset: affine.offset.slice() };
}

/** The per-camera colour affine as a fitting transform, optimised with Adam at frame 0 (lr 1e-4, the reference's). */
function colorAffineTransform(affine: ColorAffine): ColorTransform {
  const grads = {
    logGain: new Float32Array(affine.logGain.length),
    offset: new Float32Array(affine.offset.length),
  };
  const adam = new Adam([
    { name: 'logGain', params: affine.logGain, lr: 1e-4 },
    { name: 'offset', params: affine.offset, lr: 1e-4 },
  ]);
  return {
    apply: (view, rgb) => applyColorAffine(rgb, affine, view),
    backward: (view, rgb, grad) => {
      const b = colorAffineBackward(rgb, grad, affine, view);
      grads.logGain.set(b.gradLogGain, 3 * view);
      grads.offset.set(b.gradOffset, 3 * view);
      return b.gradImage;
    },
    step: () => {
      adam.step({ logGain: grads.logGain, offset: grads.offset });
      grads.logGain.fill(0);
      grads.offset.fill(0);
    },
  };
}

/**
 * After frame 0 the colour affine is frozen: applied, never updated; with `offsetMasks` (per camera) its offset only
 * on the masks' pixels.
 */
function fixedAffine(
  affine: ColorAffine,
  offsetMasks: Uint8Array[] | undefined,
  cameras: readonly { width: number; height: number }[],
): ColorTransform {
  // apply and backward of one viewLoss call get the same region: its crop of the mask is made once.
  let last: { view: number; region: PixelRegion; mask: Uint8Array } | undefined;
  const offsetMask = (view: number, region: PixelRegion | undefined) => {
    const mask = offsetMasks?.[view];
    if (mask === undefined || region === undefined) return mask;
    if (last?.view !== view || last.region !== region) {
      const { width, height } = cameras[view];
      last = { view, region, mask: cropPlanes(mask, 1, width, height, region) };
    }
    return last.mask;
  };
  return {
    apply: (view, rgb, region) => applyColorAffine(rgb, affine, view, offsetMask(view, region)),
    backward: (view, rgb, grad, region) =>
      colorAffineBackward(rgb, grad, affine, view, offsetMask(view, region)).gradImage,
    step: () => {},
  };
}

/** Where a render on black or the masked targets can be non-zero: the rendered tiles and the mask's box. */
function contentRegion(result: RenderResult, maskBox: PixelRegion | undefined): PixelRegion {
  const rendered = renderedRegion(result.bins, result.width, result.height);
  return uniteRegions([rendered, maskBox]) ?? { x: 0, y: 0, width: 0, height: 0 };
}

function normaliseQuaternions(q: Float32Array): void {
  for (let i = 0; i < q.length; i += 4) {
    const n = Math.hypot(q[i], q[i + 1], q[i + 2], q[i + 3]) || 1;
    for (let k = 0; k < 4; k++) q[i + k] /= n;
  }
}

function pick(grads: GaussianGradients, names: string[]): Record<string, Float32Array> {
  const all: Record<string, Float32Array> = {
    means: grads.means,
    quaternions: grads.quaternions,
    colors: grads.colors,
    logScales: grads.logScales,
  };
  return Object.fromEntries(names.map((n) => [n, all[n]]));
}

function indicesWhere(cloud: GaussianCloud, keep: (i: number) => boolean): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < cloud.count; i++) if (keep(i)) out.push(i);
  return Uint32Array.from(out);
}
