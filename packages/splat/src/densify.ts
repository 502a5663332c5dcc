/**
 * Adaptive density control of the first tracking frame (Dyn3DGS `densify`, digest 3.4), acting on the cloud
 * and its Adam optimiser together so that every Gaussian keeps its moments:
 *
 *   - accumulate |dL/d(screen mean)| (xy, 3DGS's normalised units) of the Gaussians seen in each view;
 *   - every so often (the caller's schedule: every 100 iterations from 500 to 5000), with grad = accum / denom:
 *     clone the Gaussians with grad >= threshold and max scale <= s R (exact copies appended), split those
 *     with grad >= threshold and max scale > s R (2 copies appended, means offset by R(q) N(0, scale), log
 *     scales reduced by log 1.6, original removed), then prune opacity < minOpacity and, optionally, max
 *     scale > bigFraction R; the accumulators restart at zero.
 *   - `resetOpacities` (at iteration 3000 in the reference) sets every opacity to 0.01.
 *
 * The new order follows the reference (torch.cat): survivors of the originals, then the clones, then the first
 * split copies of every split Gaussian, then the second copies.
 */
import type { Random } from '@gsdyn/geometry';
import type { Adam } from './adam.js';
import { CLOUD_PARAM_NAMES, checkCloud, cloudItemSizes, concatClouds, selectGaussians } from './cloud.js';
import type { GaussianCloud } from './types.js';

export interface DensifyState {
  /** N: sum of the screen-gradient norms over the views where the Gaussian was seen. */
  gradAccum: Float32Array;
  /** N: number of such views. */
  denom: Float32Array;
}

export function createDensifyState(count: number): DensifyState {
  return { gradAccum: new Float32Array(count), denom: new Float32Array(count) };
}

/** Adds |(gx, gy)| of each seen Gaussian (radius > 0) to its accumulator. screenMeans: 2N, radii: N. */
export function accumulateScreenGradients(
  state: DensifyState,
  screenMeans: Float32Array,
  radii: Int32Array,
): void {
  const n = state.gradAccum.length;
  if (radii.length !== n || screenMeans.length !== 2 * n) {
    throw new RangeError(
      `accumulateScreenGradients: expected ${n} radii and ${2 * n} screen-mean gradients, got ${radii.length} and ${screenMeans.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (radii[i] <= 0) continue;
    state.gradAccum[i] += Math.hypot(screenMeans[2 * i], screenMeans[2 * i + 1]);
    state.denom[i] += 1;
  }
}

export interface DensifyOptions {
  /** Mean screen-gradient norm at or above which a Gaussian is densified. Default 2e-4. */
  gradThreshold?: number;
  /** Scene radius R (metres): 1.1 x the largest camera distance from the cameras' centroid. */
  sceneRadius: number;
  /** s: clone at max scale <= s R, split above. Default 0.05 (gs-dynamics; Dyn3DGS uses 0.01). */
  scaleFraction?: number;
  /** Prune below this opacity. Default 0.005 (the reference uses 0.25 at its last densification, iteration 5000). */
  minOpacity?: number;
  /** Also prune Gaussians whose max scale exceeds bigFraction R (the reference does from iteration 3000). */
  pruneBig?: boolean;
  /** Default 0.1. */
  bigFraction?: number;
  /** Draws the split offsets. */
  rng: Random;
}

/** Scale divisor of split copies: 0.8 * 2 copies, as in 3DGS. */
export const SPLIT_SCALE_DIVISOR = 1.6;

function maxScale(cloud: GaussianCloud, i: number): number {
  const l = cloud.logScales;
  return Math.exp(Math.max(l[3 * i], l[3 * i + 1], l[3 * i + 2]));
}

/** The split copies (copy-major: all first copies, then all second copies). */
function splitCopies(cloud: GaussianCloud, toSplit: Uint32Array, rng: Random): GaussianCloud {
  const repeated = new Uint32Array(2 * toSplit.length);
  repeated.set(toSplit);
  repeated.set(toSplit, toSplit.length);
  const copies = selectGaussians(cloud, repeated);
  const logDivisor = Math.log(SPLIT_SCALE_DIVISOR);
  for (let j = 0; j < copies.count; j++) {
    const q = copies.quaternions.subarray(4 * j, 4 * j + 4);
    const norm = Math.hypot(q[0], q[1], q[2], q[3]);
    const [w, x, y, z] = norm > 0 ? [q[0] / norm, q[1] / norm, q[2] / norm, q[3] / norm] : [1, 0, 0, 0];
    // Sample in the Gaussian's own frame with its (pre-split) standard deviations, then rotate to world.
    const sx = Math.exp(copies.logScales[3 * j]) * rng.normal();
    const sy = Math.exp(copies.logScales[3 * j + 1]) * rng.normal();
    const sz = Math.exp(copies.logScales[3 * j + 2]) * rng.normal();
    copies.means[3 * j] +=
      (1 - 2 * (y * y + z * z)) * sx + 2 * (x * y - w * z) * sy + 2 * (x * z + w * y) * sz;
    copies.means[3 * j + 1] +=
      2 * (x * y + w * z) * sx + (1 - 2 * (x * x + z * z)) * sy + 2 * (y * z - w * x) * sz;
    copies.means[3 * j + 2] +=
      2 * (x * z - w * y) * sx + 2 * (y * z + w * x) * sy + (1 - 2 * (x * x + y * y)) * sz;
    for (let k = 0; k < 3; k++) copies.logScales[3 * j + k] -= logDivisor;
  }
  return copies;
}

/**
 * One densification: clone, split, prune (see the module comment). Adam groups named after cloud arrays
 * ('means', 'quaternions', ...) are resized alongside (new Gaussians get zero moments, removed ones lose
 * theirs) and re-pointed at the new cloud's arrays; other groups are untouched. Returns the new cloud and
 * fresh accumulators; the input cloud is not modified. `cloned`/`split` count the Gaussians selected for
 * each; `pruned` those removed by the opacity / size tests afterwards (fresh clones included, split
 * originals not).
 */
export function densifyAndPrune(
  cloud: GaussianCloud,
  adam: Adam,
  state: DensifyState,
  options: DensifyOptions,
): { cloud: GaussianCloud; state: DensifyState; cloned: number; split: number; pruned: number } {
  checkCloud(cloud, 'densifyAndPrune');
  const n = cloud.count;
  if (state.gradAccum.length !== n || state.denom.length !== n) {
    throw new RangeError(
      `densifyAndPrune: densify state has ${state.gradAccum.length} accumulators, expected one per Gaussian (${n})`,
    );
  }
  const threshold = options.gradThreshold ?? 2e-4;
  const radius = options.sceneRadius;
  if (!(radius > 0)) throw new RangeError(`densifyAndPrune: sceneRadius must be > 0, got ${radius}`);
  const splitAbove = (options.scaleFraction ?? 0.05) * radius;
  const minOpacity = options.minOpacity ?? 0.005;
  const bigAbove = options.pruneBig ? (options.bigFraction ?? 0.1) * radius : Infinity;

  const cloneList: number[] = [];
  const splitList: number[] = [];
  const isSplit = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const denom = state.denom[i];
    const grad = denom > 0 ? state.gradAccum[i] / denom : 0;
    if (!(grad >= threshold)) continue;
    if (maxScale(cloud, i) <= splitAbove) cloneList.push(i);
    else {
      splitList.push(i);
      isSplit[i] = 1;
    }
  }
  const clones = selectGaussians(cloud, Uint32Array.from(cloneList));
  const copies = splitCopies(cloud, Uint32Array.from(splitList), options.rng);
  const merged = concatClouds(concatClouds(cloud, clones), copies);

  const keep: number[] = [];
  let pruned = 0;
  for (let i = 0; i < merged.count; i++) {
    if (i < n && isSplit[i]) continue;
    const opacity = 1 / (1 + Math.exp(-merged.logitOpacities[i]));
    if (opacity < minOpacity || maxScale(merged, i) > bigAbove) {
      pruned++;
      continue;
    }
    keep.push(i);
  }
  const keepIndices = Uint32Array.from(keep);
  const result = selectGaussians(merged, keepIndices);

  const allSizes = cloudItemSizes(cloud.extraChannels);
  const sizes: Record<string, number> = {};
  for (const name of CLOUD_PARAM_NAMES) if (adam.has(name)) sizes[name] = allSizes[name];
  adam.append(merged.count - n, sizes);
  adam.select(keepIndices, sizes);
  for (const name of Object.keys(sizes)) adam.setParams(name, result[name as keyof typeof allSizes]);

  return {
    cloud: result,
    state: createDensifyState(result.count),
    cloned: cloneList.length,
    split: splitList.length,
    pruned,
  };
}

/** Sets every opacity to `value` (default 0.01, in logit space) and zeroes the opacity group's Adam moments. */
export function resetOpacities(cloud: GaussianCloud, adam: Adam, value = 0.01): void {
  if (!(value > 0 && value < 1))
    throw new RangeError(`resetOpacities: value must be in (0, 1), got ${value}`);
  cloud.logitOpacities.fill(Math.log(value / (1 - value)));
  if (adam.has('logitOpacities')) adam.resetMoments(['logitOpacities']);
}
