/**
 * Tracking presets. `gs-dynamics` is the paper's method: after frame 0 only means and rotations move (colours,
 * opacities and scales are fixed) and local rigidity and isometry are strengthened. `dyn3dgs` is the unmodified
 * Dynamic 3D Gaussians (colours and scales optimised at every frame, its original weights), the ablation baseline of
 * the paper's table 1. Weights from reference-implementation.md 3.5; the reference's misplaced y floor term is
 * replaced by a table term (no Gaussian below z = 0).
 */
export interface TrackWeights {
  image: number;
  seg: number;
  rigid: number;
  rot: number;
  iso: number;
  table: number;
  bg: number;
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
}

export type PresetName = TrackPreset['name'];
export const PRESET_NAMES: readonly PresetName[] = ['gs-dynamics', 'dyn3dgs'];

export function trackPreset(name: PresetName, object: string | undefined): TrackPreset {
  if (name === 'dyn3dgs')
    return {
      name,
      weights: { image: 1, seg: 3, rigid: 4, rot: 4, iso: 2, table: 2, bg: 20, colorConsistency: 0.01 },
      dynamicColors: true,
      dynamicScales: true,
      occlusionAware: false,
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
      colorConsistency: 0,
    },
    dynamicColors: false,
    dynamicScales: false,
    occlusionAware: true,
  };
}
