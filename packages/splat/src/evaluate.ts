import type { EpisodeCamera } from '@gsdyn/formats';
import type { FrameViews } from './episode-frame.js';
import { psnr, ssimValue } from './metrics.js';
import { renderGaussians } from './render.js';
import type { GaussianCloud, PixelConvention, TileRasterizer } from './types.js';

export interface CameraScore {
  camera: string;
  /**
   * Inside the object mask (absent without masks). Against the fitting target, which equals the capture inside the
   * mask; SSIM windows at the mask edge then see black on both sides instead of a table the cloud does not model.
   */
  maskPsnr?: number;
  maskSsim?: number;
  /**
   * Over the whole image, against the fitting target: the capture on black outside the object mask (an object-only
   * cloud cannot be scored against the table), or the capture itself when the episode has no masks.
   */
  psnr: number;
  ssim: number;
}

export interface CloudEvaluation {
  cameras: CameraScore[];
  /** Renders, planar RGB per camera. */
  renders: Float32Array[];
  mean: { maskPsnr?: number; maskSsim?: number; psnr: number; ssim: number };
}

/** Renders the cloud into every camera of a frame and scores it against the captured images. */
export function evaluateCloud(
  cloud: GaussianCloud,
  views: FrameViews,
  options: { pixelConvention?: PixelConvention; rasterizer?: TileRasterizer } = {},
): CloudEvaluation {
  const cameras: CameraScore[] = [];
  const renders: Float32Array[] = [];
  views.cameras.forEach((camera: EpisodeCamera, c) => {
    const { width: W, height: H } = camera;
    const result = renderGaussians(cloud, camera, {
      background: new Float32Array(3 + cloud.extraChannels),
      pixelConvention: options.pixelConvention,
      rasterizer: options.rasterizer,
    });
    const rgb = result.image.slice(0, 3 * W * H);
    renders.push(rgb);
    const mask = views.masks?.[c];
    cameras.push({
      camera: camera.id,
      maskPsnr: mask ? psnr(rgb, views.targets[c], 3, W, H, mask) : undefined,
      maskSsim: mask ? ssimValue(rgb, views.targets[c], 3, W, H, mask) : undefined,
      psnr: psnr(rgb, views.targets[c], 3, W, H),
      ssim: ssimValue(rgb, views.targets[c], 3, W, H),
    });
  });
  const avg = (f: (s: CameraScore) => number | undefined) => {
    const v = cameras.map(f).filter((x): x is number => x !== undefined);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
  };
  return {
    cameras,
    renders,
    mean: {
      maskPsnr: avg((s) => s.maskPsnr),
      maskSsim: avg((s) => s.maskSsim),
      psnr: avg((s) => s.psnr)!,
      ssim: avg((s) => s.ssim)!,
    },
  };
}
