import { farthestPointSampling } from '../graph/farthest-point-sampling.js';

/**
 * From a tracker's Gaussian tracks to the dataset's particle tracks, as `downsample` of gs-dynamics
 * `preprocess.py` (reference-implementation.md 2.5), in its order:
 *
 * 1. opacity: keep Gaussians with logit opacity > 0, i.e. opacity sigmoid(logit) > 0.5 (the reference tests the
 *    logit; both statements are the same);
 * 2. motion outliers: per Gaussian the path length sum_t |x_{t+1} - x_t|; keep s = |l - median(l)| / MAD < 3, where
 *    MAD = median |l - median(l)| (all kept when MAD = 0);
 * 3. farthest point sampling of `points` (1000) on frame 0 from point 0; with no more points than that, all are kept
 *    in their order (the reference would fail there);
 * 4. temporal smoothing: `passes` (10) times, every interior frame becomes the mean of itself and its two
 *    neighbours, all frames updated from the previous pass (numpy's `x[1:-1] = (x[:-2] + x[1:-1] + x[2:]) / 3`).
 */
export interface TrackPreprocessOptions {
  /** Particles kept (1000). */
  points?: number;
  /** MAD threshold of the motion-outlier test (3). */
  outlierThreshold?: number;
  /** Smoothing passes (10). */
  smoothingPasses?: number;
}

export interface PreprocessedTracks {
  frames: number;
  count: number;
  /** frames x count x 3. */
  particles: Float32Array;
  /** Gaussians in, after the opacity filter, after the outlier filter. */
  kept: { input: number; opaque: number; inliers: number };
}

export const DEFAULT_TRACK_POINTS = 1000;

export function preprocessTracks(
  means: Float32Array,
  frames: number,
  gaussians: number,
  logitOpacities: ArrayLike<number>,
  options: TrackPreprocessOptions = {},
): PreprocessedTracks {
  checkTracks(means, frames, gaussians, 'preprocessTracks');
  if (logitOpacities.length !== gaussians)
    throw new RangeError(
      `preprocessTracks: logitOpacities has ${logitOpacities.length} values, expected one per Gaussian (${gaussians})`,
    );
  const opaque = indicesWhere(opacityMask(logitOpacities));
  if (opaque.length === 0)
    throw new RangeError(
      `preprocessTracks: none of the ${gaussians} Gaussians has opacity > 0.5 (logit > 0)`,
    );
  const visible = selectTrackPoints(means, frames, gaussians, opaque);
  const inlierMask = motionOutlierMask(visible, frames, opaque.length, options.outlierThreshold ?? 3);
  const inliers = indicesWhere(inlierMask);
  const kept = selectTrackPoints(visible, frames, opaque.length, inliers);
  const sampled = subsampleTracks(kept, frames, inliers.length, options.points ?? DEFAULT_TRACK_POINTS);
  smoothTracks(sampled.particles, frames, sampled.count, options.smoothingPasses ?? 10);
  return {
    frames,
    count: sampled.count,
    particles: sampled.particles,
    kept: { input: gaussians, opaque: opaque.length, inliers: inliers.length },
  };
}

/** 1 where the Gaussian is kept: logit opacity > 0 (opacity > 0.5). */
export function opacityMask(logitOpacities: ArrayLike<number>): Uint8Array {
  const mask = new Uint8Array(logitOpacities.length);
  for (let i = 0; i < mask.length; i++) mask[i] = logitOpacities[i] > 0 ? 1 : 0;
  return mask;
}

/** 1 where the point's path length passes the MAD test |l - median| / MAD < threshold (all 1 when MAD = 0). */
export function motionOutlierMask(
  tracks: Float32Array,
  frames: number,
  count: number,
  threshold: number,
): Uint8Array {
  checkTracks(tracks, frames, count, 'motionOutlierMask');
  const lengths = new Float64Array(count);
  for (let t = 0; t + 1 < frames; t++) {
    const a = t * count * 3;
    const b = a + count * 3;
    for (let i = 0; i < count; i++)
      lengths[i] += Math.hypot(
        tracks[b + 3 * i] - tracks[a + 3 * i],
        tracks[b + 3 * i + 1] - tracks[a + 3 * i + 1],
        tracks[b + 3 * i + 2] - tracks[a + 3 * i + 2],
      );
  }
  const center = median(lengths);
  const deviations = lengths.map((l) => Math.abs(l - center));
  const mad = median(deviations);
  const mask = new Uint8Array(count);
  for (let i = 0; i < count; i++) mask[i] = mad === 0 || deviations[i] / mad < threshold ? 1 : 0;
  return mask;
}

/** numpy's median: the middle value, or the mean of the two middle values. */
function median(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('median: no values');
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * At most `points` of `count` tracks: farthest point sampling on frame 0 from point 0, or all of them in order
 * when there are no more than `points`.
 */
export function subsampleTracks(
  tracks: Float32Array,
  frames: number,
  count: number,
  points: number,
): { count: number; particles: Float32Array; indices: Uint32Array } {
  checkTracks(tracks, frames, count, 'subsampleTracks');
  if (!Number.isInteger(points) || points < 1)
    throw new RangeError(`subsampleTracks: points must be a positive integer, got ${points}`);
  const indices =
    count <= points
      ? Uint32Array.from({ length: count }, (_, i) => i)
      : farthestPointSampling(tracks.subarray(0, 3 * count), points, 0);
  return { count: indices.length, particles: selectTrackPoints(tracks, frames, count, indices), indices };
}

/** In place: `passes` rounds of the 3-tap box filter over the interior frames (the first and last stay). */
export function smoothTracks(tracks: Float32Array, frames: number, count: number, passes: number): void {
  checkTracks(tracks, frames, count, 'smoothTracks');
  if (!Number.isInteger(passes) || passes < 0)
    throw new RangeError(`smoothTracks: passes must be an integer >= 0, got ${passes}`);
  if (frames < 3) return;
  const stride = count * 3;
  const previous = new Float32Array(tracks.length);
  for (let p = 0; p < passes; p++) {
    previous.set(tracks);
    for (let t = 1; t + 1 < frames; t++)
      for (let j = 0; j < stride; j++) {
        const i = t * stride + j;
        tracks[i] = (previous[i - stride] + previous[i] + previous[i + stride]) / 3;
      }
  }
}

/** frames x indices.length x 3: the chosen points of every frame. */
export function selectTrackPoints(
  tracks: Float32Array,
  frames: number,
  count: number,
  indices: ArrayLike<number>,
): Float32Array {
  const m = indices.length;
  const out = new Float32Array(frames * m * 3);
  for (let t = 0; t < frames; t++)
    for (let j = 0; j < m; j++) {
      const src = (t * count + indices[j]) * 3;
      const dst = (t * m + j) * 3;
      out[dst] = tracks[src];
      out[dst + 1] = tracks[src + 1];
      out[dst + 2] = tracks[src + 2];
    }
  return out;
}

function indicesWhere(mask: Uint8Array): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) out.push(i);
  return Uint32Array.from(out);
}

function checkTracks(tracks: Float32Array, frames: number, count: number, what: string): void {
  if (!Number.isInteger(frames) || frames < 1 || !Number.isInteger(count) || count < 1)
    throw new RangeError(`${what}: frames and count must be positive integers, got ${frames} and ${count}`);
  if (tracks.length !== frames * count * 3)
    throw new RangeError(
      `${what}: tracks has ${tracks.length} values, expected ${frames} frames x ${count} points x 3`,
    );
}
