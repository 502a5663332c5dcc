import { knn } from '@gsdyn/geometry';
import type { Values } from './loss-types.js';

/** The reference's neighbour count (gs-dynamics `num_knn`). */
export const DEFAULT_NEIGHBOURS = 20;
/** w_ij = exp(-NEIGHBOUR_WEIGHT_SCALE d_ij^2) with d in metres: 0.82 at 1 cm, 0.45 at 2 cm, 0.17 at 3 cm. */
export const NEIGHBOUR_WEIGHT_SCALE = 2000;

/**
 * The fixed neighbourhood of the physical priors (rigidity, rotation similarity, isometry), built once from the
 * frame-0 means and kept for the whole episode. Row r belongs to Gaussian `points[r]`; its k neighbours are
 * `indices[r*k .. r*k + k - 1]`, nearest first. Both `points` and `indices` index the FULL cloud arrays, so the
 * losses take the tracker's means/quaternions as they are, foreground and background together.
 */
export interface NeighbourGraph {
  /** Rows (the points that have neighbours, e.g. the foreground Gaussians). */
  count: number;
  k: number;
  /** count: the Gaussian of each row. */
  points: Uint32Array;
  /** count*k: neighbour Gaussian indices. */
  indices: Uint32Array;
  /** count*k: exp(-2000 d0^2). */
  weights: Float32Array;
  /** count*k: d0, the frame-0 distance in metres. */
  restDistances: Float32Array;
}

/**
 * kNN among the (foreground) frame-0 means, self excluded, with the reference's Gaussian weights. `subset` lists
 * the Gaussians that take part (default: all); neighbours are searched among the subset only, as the reference
 * searches among foreground points only. An empty subset gives an empty graph (every physical loss is then 0).
 *
 * `spread` widens each neighbourhood without adding pairs: 1 is the reference (the k nearest); s > 1 keeps the
 * floor(k/2) nearest and spreads the other neighbours evenly over the ranks up to the (k*s)-th nearest (rounded, at
 * most all the others), the farthest of them that one. Why: after densification a volumetric object has ten thousand
 * Gaussians a few millimetres apart, the k = 20 nearest lie within about 6 mm, and a whole surface layer can then
 * slide into the interior (through the Gaussians there) while every pair distance stays as it was. On the benchmark
 * plush, the back of a leg that no camera but one saw went 25 mm into the leg after the pusher lifted.
 */
export function buildNeighbourGraph(
  means0: Values,
  k: number = DEFAULT_NEIGHBOURS,
  subset?: Uint32Array,
  spread = 1,
): NeighbourGraph {
  if (means0.length % 3 !== 0) {
    throw new RangeError(
      `buildNeighbourGraph: means0 has ${means0.length} values, expected 3 per Gaussian (x y z)`,
    );
  }
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`buildNeighbourGraph: k must be a positive integer, got ${k}`);
  }
  checkNeighbourSpread(spread, 'buildNeighbourGraph');
  const n = means0.length / 3;
  let points: Uint32Array;
  if (subset === undefined) {
    points = new Uint32Array(n);
    for (let i = 0; i < n; i++) points[i] = i;
  } else {
    for (let r = 0; r < subset.length; r++) {
      if (subset[r] >= n) {
        throw new RangeError(
          `buildNeighbourGraph: subset[${r}] = ${subset[r]} is out of range for ${n} Gaussians`,
        );
      }
    }
    points = Uint32Array.from(subset);
  }
  const count = points.length;
  if (count === 0) {
    return {
      count: 0,
      k,
      points,
      indices: new Uint32Array(0),
      weights: new Float32Array(0),
      restDistances: new Float32Array(0),
    };
  }
  if (count - 1 < k) {
    throw new RangeError(
      `buildNeighbourGraph: k = ${k} neighbours requested but the subset has only ${count} Gaussians`,
    );
  }
  const local = new Float64Array(3 * count);
  for (let r = 0; r < count; r++) {
    const i = points[r];
    local[3 * r] = means0[3 * i];
    local[3 * r + 1] = means0[3 * i + 1];
    local[3 * r + 2] = means0[3 * i + 2];
  }
  // At least k: count - 1 >= k was checked above, and spread >= 1.
  const candidates = Math.min(count - 1, Math.round(k * spread));
  const found = knn(local, candidates);
  const ranks = spreadRanks(k, candidates);
  const indices = new Uint32Array(count * k);
  const weights = new Float32Array(count * k);
  const restDistances = new Float32Array(count * k);
  for (let r = 0; r < count; r++) {
    for (let t = 0; t < k; t++) {
      const e = r * k + t;
      const s = found.indices[r * candidates + ranks[t]];
      indices[e] = points[s];
      // Recomputed in float64 (knn stores squared distances in float32).
      const dx = local[3 * s] - local[3 * r];
      const dy = local[3 * s + 1] - local[3 * r + 1];
      const dz = local[3 * s + 2] - local[3 * r + 2];
      const d2 = dx * dx + dy * dy + dz * dz;
      weights[e] = Math.exp(-NEIGHBOUR_WEIGHT_SCALE * d2);
      restDistances[e] = Math.sqrt(d2);
    }
  }
  return { count, k, points, indices, weights, restDistances };
}

/** Throws unless `spread` is a finite number >= 1 (`where` names the caller). */
export function checkNeighbourSpread(spread: number, where: string): void {
  if (!(spread >= 1 && Number.isFinite(spread)))
    throw new RangeError(`${where}: spread must be a finite number >= 1, got ${spread}`);
}

/** The ranks (0 = nearest) kept out of `candidates`: the floor(k/2) nearest, then the rest evenly up to the last. */
export function spreadRanks(k: number, candidates: number): number[] {
  const near = Math.floor(k / 2);
  const far = k - near;
  const ranks = Array.from({ length: near }, (_, t) => t);
  for (let t = 1; t <= far; t++) ranks.push(near + Math.round((t * (candidates - near)) / far) - 1);
  return ranks;
}
