/**
 * Exact k-nearest-neighbour search over 3D points with a KD-tree (median splits on the widest axis, small
 * leaf buckets). A KD-tree rather than a uniform grid because captured point clouds are far from uniform
 * (thin objects on a table, dense surface patches), where a grid degenerates.
 *
 * Ties are broken by index so that results are deterministic and equal a brute-force sort by
 * (squared distance, index); distances are computed in float64 from the input coordinates.
 */

export type Points3 = Float32Array | Float64Array;

export interface KnnResult {
  /** N*k (or M*k for queries): neighbour indices into `points`, nearest first. */
  indices: Uint32Array;
  /** N*k: squared distances, same order. */
  distances2: Float32Array;
}

const LEAF_SIZE = 8;

export class KdTree {
  readonly count: number;
  /** Point coordinates in tree order (3 per point), float64. */
  private readonly coords: Float64Array;
  /** Tree order -> original index. */
  private readonly order: Uint32Array;
  /** Split axis of the node whose median sits at tree position `mid`. */
  private readonly axis: Uint8Array;

  // Per-query state, kept on the instance to avoid closures in the hot loop.
  private qx = 0;
  private qy = 0;
  private qz = 0;
  private exclude = -1;
  private k = 0;
  private filled = 0;
  private bestD = new Float64Array(0);
  private bestI = new Int32Array(0);

  constructor(points: Points3) {
    if (points.length % 3 !== 0) {
      throw new RangeError(
        `KdTree: points has ${points.length} values, expected a multiple of 3 (x y z per point)`,
      );
    }
    const n = points.length / 3;
    this.count = n;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      order[i] = i;
      if (
        !Number.isFinite(points[3 * i]) ||
        !Number.isFinite(points[3 * i + 1]) ||
        !Number.isFinite(points[3 * i + 2])
      ) {
        throw new RangeError(`KdTree: point ${i} is not finite`);
      }
    }
    const axis = new Uint8Array(n);
    build(points, order, axis, 0, n);
    const coords = new Float64Array(3 * n);
    for (let j = 0; j < n; j++) {
      const i = order[j];
      coords[3 * j] = points[3 * i];
      coords[3 * j + 1] = points[3 * i + 1];
      coords[3 * j + 2] = points[3 * i + 2];
    }
    this.coords = coords;
    this.order = order;
    this.axis = axis;
  }

  /**
   * The k nearest points to (x, y, z), nearest first, written to outIndices/outDistances2 at `offset`.
   * `exclude` (an original index, or -1) is skipped: pass the query's own index for self-exclusion.
   * Returns how many were found (k unless the tree has fewer eligible points).
   */
  nearest(
    x: number,
    y: number,
    z: number,
    k: number,
    exclude: number,
    outIndices: Uint32Array,
    outDistances2: Float32Array,
    offset = 0,
  ): number {
    if (this.bestD.length < k) {
      this.bestD = new Float64Array(k);
      this.bestI = new Int32Array(k);
    }
    this.qx = x;
    this.qy = y;
    this.qz = z;
    this.exclude = exclude;
    this.k = k;
    this.filled = 0;
    if (this.count > 0 && k > 0) this.search(0, this.count);
    for (let j = 0; j < this.filled; j++) {
      outIndices[offset + j] = this.order[this.bestI[j]];
      outDistances2[offset + j] = this.bestD[j];
    }
    return this.filled;
  }

  private search(lo: number, hi: number): void {
    if (hi - lo <= LEAF_SIZE) {
      for (let j = lo; j < hi; j++) this.consider(j);
      return;
    }
    const mid = (lo + hi) >>> 1;
    this.consider(mid);
    const a = this.axis[mid];
    const diff = (a === 0 ? this.qx : a === 1 ? this.qy : this.qz) - this.coords[3 * mid + a];
    // Left holds coordinates <= the median, right >= it; visit the near side first.
    if (diff < 0) {
      this.search(lo, mid);
      if (this.filled < this.k || diff * diff <= this.bestD[this.k - 1]) this.search(mid + 1, hi);
    } else {
      this.search(mid + 1, hi);
      if (this.filled < this.k || diff * diff <= this.bestD[this.k - 1]) this.search(lo, mid);
    }
  }

  private consider(j: number): void {
    const original = this.order[j];
    if (original === this.exclude) return;
    const dx = this.coords[3 * j] - this.qx;
    const dy = this.coords[3 * j + 1] - this.qy;
    const dz = this.coords[3 * j + 2] - this.qz;
    const d = dx * dx + dy * dy + dz * dz;
    const k = this.k;
    const bestD = this.bestD;
    const bestI = this.bestI;
    const order = this.order;
    let pos = this.filled;
    if (pos === k) {
      const wd = bestD[k - 1];
      if (d > wd || (d === wd && original > order[bestI[k - 1]])) return;
      pos = k - 1;
    } else {
      this.filled++;
    }
    // Insertion into the sorted list (k is small: 3..30 in this project).
    while (pos > 0) {
      const pd = bestD[pos - 1];
      if (pd < d || (pd === d && order[bestI[pos - 1]] < original)) break;
      bestD[pos] = pd;
      bestI[pos] = bestI[pos - 1];
      pos--;
    }
    bestD[pos] = d;
    bestI[pos] = j;
  }
}

/** Recursively arranges order[lo, hi) so that each range's median (at its middle) splits it on its widest axis. */
function build(points: Points3, order: Uint32Array, axis: Uint8Array, lo: number, hi: number): void {
  while (hi - lo > LEAF_SIZE) {
    let minX = Infinity;
    let minY = Infinity;
    let minZ = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    let maxZ = -Infinity;
    for (let j = lo; j < hi; j++) {
      const p = 3 * order[j];
      const x = points[p];
      const y = points[p + 1];
      const z = points[p + 2];
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      if (z < minZ) minZ = z;
      if (z > maxZ) maxZ = z;
    }
    const ex = maxX - minX;
    const ey = maxY - minY;
    const ez = maxZ - minZ;
    const a = ex >= ey && ex >= ez ? 0 : ey >= ez ? 1 : 2;
    const mid = (lo + hi) >>> 1;
    selectNth(points, order, a, lo, hi - 1, mid);
    axis[mid] = a;
    build(points, order, axis, lo, mid);
    lo = mid + 1; // tail-iterate on the right half
  }
}

/**
 * Hoare quickselect: afterwards order[k] holds the k-th smallest coordinate on `a` within [lo, hi] (inclusive),
 * everything before it <= and everything after it >=. Equal keys are swapped across, so runs of duplicates
 * still split evenly.
 */
function selectNth(points: Points3, order: Uint32Array, a: number, lo: number, hi: number, k: number): void {
  while (hi > lo) {
    // Median of three as the pivot guards against sorted input.
    const m = (lo + hi) >>> 1;
    const va = points[3 * order[lo] + a];
    const vb = points[3 * order[m] + a];
    const vc = points[3 * order[hi] + a];
    const pivot = va < vb ? (vb < vc ? vb : va < vc ? vc : va) : va < vc ? va : vb < vc ? vc : vb;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (points[3 * order[i] + a] < pivot) i++;
      while (points[3 * order[j] + a] > pivot) j--;
      if (i <= j) {
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * Exact k nearest neighbours. Without `queries`, the neighbours of every point among the others (self
 * excluded; duplicates of a point are still neighbours at distance 0), so k must be <= N - 1. With
 * `queries` (3M), the k nearest points to each query, k <= N.
 */
export function knn(points: Points3, k: number, queries?: Points3): KnnResult {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`knn: k must be a positive integer, got ${k}`);
  const tree = new KdTree(points);
  const n = tree.count;
  if (queries === undefined) {
    if (k > n - 1) {
      throw new RangeError(
        `knn: k = ${k} neighbours requested but only ${n - 1} other points exist (N = ${n})`,
      );
    }
  } else {
    if (queries.length % 3 !== 0) {
      throw new RangeError(`knn: queries has ${queries.length} values, expected a multiple of 3`);
    }
    if (k > n) throw new RangeError(`knn: k = ${k} neighbours requested but points has only ${n}`);
  }
  const q = queries ?? points;
  const m = q.length / 3;
  const indices = new Uint32Array(m * k);
  const distances2 = new Float32Array(m * k);
  for (let i = 0; i < m; i++) {
    tree.nearest(
      q[3 * i],
      q[3 * i + 1],
      q[3 * i + 2],
      k,
      queries === undefined ? i : -1,
      indices,
      distances2,
      i * k,
    );
  }
  return { indices, distances2 };
}
