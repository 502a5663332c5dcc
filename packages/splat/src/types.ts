/**
 * The data contracts of the Gaussian splatting pipeline, shared by the TypeScript reference rasteriser and the
 * WebAssembly fast path:
 *
 *   GaussianCloud --project--> ProjectedGaussians --bin--> TileBins --TileRasterizer.forward--> TileForwardResult
 *   gradients flow back the same way: TileRasterizer.backward -> projection backward -> GaussianGradients.
 *
 * Conventions follow the 3DGS rasteriser (docs: ../shared/reference/reference-implementation.md 3.1) so that
 * clouds trained elsewhere render the same here.
 */

/**
 * A cloud of 3D Gaussians, struct-of-arrays, parameters stored pre-activation exactly as in 3DGS PLY files:
 * rotation = normalise(quaternion), scale = exp(logScale) (std-dev, metres), opacity = sigmoid(logitOpacity).
 * Colours are precomputed RGB (no spherical harmonics). `extras` are further per-Gaussian channels rendered like
 * colours (e.g. a segmentation colour), `extraChannels` of them per Gaussian.
 */
export interface GaussianCloud {
  count: number;
  /** 3N, world metres. */
  means: Float32Array;
  /** 4N, w x y z, unnormalised. */
  quaternions: Float32Array;
  /** 3N, log of the std-dev along each local axis, metres. */
  logScales: Float32Array;
  /** N. */
  logitOpacities: Float32Array;
  /** 3N, RGB. */
  colors: Float32Array;
  extraChannels: number;
  /** extraChannels * N, Gaussian-major: extras[i * extraChannels + e]. */
  extras: Float32Array;
}

/** Gradients of a scalar loss with respect to every GaussianCloud parameter (same layouts), plus screen means. */
export interface GaussianGradients {
  means: Float32Array;
  quaternions: Float32Array;
  logScales: Float32Array;
  logitOpacities: Float32Array;
  colors: Float32Array;
  extras: Float32Array;
  /**
   * 2N: gradient with respect to the projected 2D mean in 3DGS's normalised units (d/dpixel x W/2, d/dpixel x H/2),
   * the quantity 3DGS accumulates for densification, so that its 2e-4 threshold carries over. Zero for culled
   * Gaussians.
   */
  screenMeans: Float32Array;
}

/**
 * Where pixel centres are. '3dgs' (default): a camera-space point lands at u = fx x/z + cx - 0.5 (the 3DGS
 * rasteriser's half-pixel shift, ((ndc + 1) W - 1) / 2), pixel centres at integer coordinates. 'opencv': u = fx x/z + cx,
 * the convention of gsdyn episodes (and of the synthetic rig), with no shift.
 */
export type PixelConvention = '3dgs' | 'opencv';

/** Per-Gaussian screen-space data after projection, struct-of-arrays; what the tile rasteriser consumes. */
export interface ProjectedGaussians {
  count: number;
  /** Channels per Gaussian in `features`: 3 colours + extras. */
  channels: number;
  /** 2D mean in pixels, pixel centres at integer coordinates (the pixel convention already applied). */
  meanX: Float32Array;
  meanY: Float32Array;
  /** Inverse of the dilated 2D covariance [[conicA, conicB], [conicB, conicC]]. */
  conicA: Float32Array;
  conicB: Float32Array;
  conicC: Float32Array;
  /** Activated opacity in (0, 1). */
  opacity: Float32Array;
  /** Camera-space z (metres). */
  depth: Float32Array;
  /** Screen radius in pixels (ceil of 3 sigma of the largest eigenvalue); 0 means culled (not rendered). */
  radius: Int32Array;
  /** count * channels, Gaussian-major: colour r g b, then extras. */
  features: Float32Array;
}

/**
 * Gaussians per 16x16 tile, each tile's list sorted front to back (by depth, ties by index), as CSR:
 * the Gaussians of tile t = ty * tilesX + tx are order[ranges[t]] .. order[ranges[t + 1] - 1].
 */
export interface TileBins {
  tileSize: number;
  tilesX: number;
  tilesY: number;
  ranges: Uint32Array;
  order: Uint32Array;
}

export const TILE_SIZE = 16;
/** Blending constants of the 3DGS rasteriser. */
export const ALPHA_MAX = 0.99;
export const ALPHA_MIN = 1 / 255;
export const TRANSMITTANCE_MIN = 1e-4;

/**
 * Per-pixel outputs of the tile stage. Images are planar: channel c of pixel (x, y) is at c * W * H + y * W + x.
 * For each pixel, front to back over its tile's list: power = -0.5 (A dx^2 + C dy^2) - B dx dy with
 * (dx, dy) = (meanX - x, meanY - y); skip when power > 0; alpha = min(ALPHA_MAX, opacity * exp(power)); skip when
 * alpha < ALPHA_MIN; stop (without blending this one) when T * (1 - alpha) < TRANSMITTANCE_MIN; else
 * feature += f * alpha * T, T *= 1 - alpha. Finally feature += T * background.
 */
export interface TileForwardResult {
  width: number;
  height: number;
  channels: number;
  /** channels * H * W, background included. */
  features: Float32Array;
  /** H * W: 1 - final transmittance. */
  alpha: Float32Array;
  /** H * W: sum(w z) / sum(w) with w = alpha * T, 0 where nothing was blended. Not differentiated. */
  expectedDepth: Float32Array;
  /** H * W: the depth of the Gaussian at which T first falls to 0.5 or below, 0 where it never does. Not differentiated. */
  medianDepth: Float32Array;
  /** H * W: final transmittance T, kept for the backward pass. */
  finalT: Float32Array;
  /** H * W: how many entries of the pixel's tile list the forward pass walked (the last one that was blended + 1), kept for the backward pass. */
  contributors: Uint32Array;
}

/** Gradients of the tile stage, per projected Gaussian. */
export interface TileBackwardResult {
  dMeanX: Float32Array;
  dMeanY: Float32Array;
  dConicA: Float32Array;
  dConicB: Float32Array;
  dConicC: Float32Array;
  dOpacity: Float32Array;
  /** count * channels. */
  dFeatures: Float32Array;
}

/**
 * The per-tile blending stage: the hot loop, implemented twice (a readable TypeScript reference and the
 * WebAssembly SIMD fast path), which must agree (images within 1e-4, gradients within 1e-3 relative).
 * Synchronous: a parallel implementation blocks until its workers are done.
 */
export interface TileRasterizer {
  readonly name: string;
  forward(
    projected: ProjectedGaussians,
    bins: TileBins,
    width: number,
    height: number,
    background: Float32Array,
  ): TileForwardResult;
  /**
   * `dFeatures`: dL/d(features image), planar like TileForwardResult.features. `dAlpha`: dL/d(alpha image), or
   * undefined for zero. `meanwhile`: the caller's own work, independent of this pass, run on the calling thread
   * while other threads rasterise (a rasteriser without threads runs it first); the pass returns after both.
   */
  backward(
    projected: ProjectedGaussians,
    bins: TileBins,
    forward: TileForwardResult,
    background: Float32Array,
    dFeatures: Float32Array,
    dAlpha: Float32Array | undefined,
    meanwhile?: () => void,
  ): TileBackwardResult;
  /** Releases workers, if any. */
  dispose?(): void;
}
