/**
 * Tracking presets. `gs-dynamics` is the paper's method: after frame 0 only means and rotations move (colours,
 * opacities and scales are fixed) and local rigidity and isometry are strengthened. `dyn3dgs` is the unmodified
 * Dynamic 3D Gaussians (colours and scales optimised at every frame, its original weights), the ablation baseline of
 * the paper's table 1. Weights from reference-implementation.md 3.5; the reference's misplaced y floor term is
 * replaced by a table term (no Gaussian below z = 0). gs-dynamics differs from the reference in five more ways
 * (docs/tracking.md): occlusion handling, a depth loss, a coarse rigid alignment before each later frame, no
 * constant-velocity prediction (each later frame starts from the previous one), wider neighbourhoods, and the colour
 * offset added on the object's pixels only.
 */
export interface TrackWeights {
  image: number;
  seg: number;
  rigid: number;
  rot: number;
  iso: number;
  table: number;
  bg: number;
  /**
   * Mean absolute error (metres) of the rendered depth against the masked captured depth, at every frame (not in the
   * reference, which uses depth only to initialise; loss/depth-loss.ts in @gsdyn/splat).
   */
  depth: number;
  /** L1 of the colours against the previous frame (Dyn3DGS only). */
  colorConsistency: number;
}

export interface TrackPreset {
  name: 'gs-dynamics' | 'dyn3dgs';
  weights: TrackWeights;
  /** Parameters optimised at frames t > 0 besides means and quaternions. */
  dynamicColors: boolean;
  dynamicScales: boolean;
  /**
   * Take the pixels where the captured depth shows an occluder in front of the object out of the image and
   * segmentation losses (occlusion.ts; not in the reference).
   */
  occlusionAware: boolean;
  /** Iterations of coarse rigid alignment before each later frame's own (rigid-alignment.ts; not in the reference). */
  alignIters: number;
  /**
   * Drop the Gaussians that the cameras hardly see after the frame-0 fit: those whose blending weights, summed over
   * every camera's image, come to fewer pixels than this (hidden-gaussians.ts; not in the reference). 0 keeps all.
   */
  minVisibleWeight: number;
  /**
   * Fraction of the last frame's velocity in each later frame's starting point: 1 is the reference's constant-velocity
   * prediction (dyn3dgs); gs-dynamics uses 0, the previous frame, and lets the rigid alignment find the motion.
   */
  velocityScale: number;
  /**
   * Spread of the physical priors' neighbourhoods (buildNeighbourGraph in losses/neighbours.ts): 1 is the reference's
   * k nearest (dyn3dgs); gs-dynamics keeps the 10 nearest and spreads the other 10 over the 100 nearest.
   */
  neighbourSpread: number;
  /**
   * At frames t > 0, add the frozen colour correction's offset only on the capture mask's pixels (not in the
   * reference, which adds it everywhere): the masked target is black off the object, and so is the render where no
   * Gaussian is, so the image loss can crop to the object instead of comparing a whole frame of offset with black.
   */
  colorOffsetOnMask: boolean;
}

export type PresetName = TrackPreset['name'];
export const PRESET_NAMES: readonly PresetName[] = ['gs-dynamics', 'dyn3dgs'];

export function trackPreset(name: PresetName, object: string | undefined): TrackPreset {
  if (name === 'dyn3dgs')
    return {
      name,
      weights: {
        image: 1,
        seg: 3,
        rigid: 4,
        rot: 4,
        iso: 2,
        table: 2,
        bg: 20,
        depth: 0,
        colorConsistency: 0.01,
      },
      dynamicColors: true,
      dynamicScales: true,
      occlusionAware: false,
      alignIters: 0,
      minVisibleWeight: 0,
      velocityScale: 1,
      neighbourSpread: 1,
      colorOffsetOnMask: false,
    };
  const cloth = object === 'cloth';
  return {
    name,
    weights: {
      image: 50,
      seg: 200,
      rigid: cloth ? 400 : 200,
      rot: 4,
      iso: cloth ? 2000 : 1000,
      table: 2,
      bg: 200,
      depth: 50,
      colorConsistency: 0,
    },
    dynamicColors: false,
    dynamicScales: false,
    occlusionAware: true,
    alignIters: 30,
    minVisibleWeight: 0,
    velocityScale: 0,
    neighbourSpread: 5,
    colorOffsetOnMask: true,
  };
}
