import type { ObjectConfig } from '../object-config.js';

/**
 * The edges of one sample's graph. Vertices 0..objectCount-1 are the object particles and vertex objectCount is
 * the end effector (tool). Messages flow sender -> receiver.
 */
export interface GraphEdges {
  objectCount: number;
  count: number;
  receivers: Int32Array;
  senders: Int32Array;
}

export type EdgeConfig = Pick<ObjectConfig, 'edgeRadius' | 'topK' | 'connectAllToTool'>;

/**
 * The edges of the reference's `construct_edges_from_states` (reference-implementation.md 4.1), from the current
 * positions (the last history frame):
 *
 * - object <- object: squared distance < edgeRadius^2 AND the sender among the receiver's topK nearest objects
 *   (self included: distance 0 is inside both, so every object has a self-edge);
 * - object <- tool and tool <- object: every pair when connectAllToTool, else only pairs with squared distance
 *   < edgeRadius^2 (no top-k on tool edges);
 * - no tool <- tool edge.
 *
 * Order: by receiver, then by sender (the order of `adj_matrix.nonzero()`), with the tool last. Top-k ties between
 * equally distant senders go to the lower index (torch.topk leaves them unspecified). Distances are float64.
 */
export function buildEdges(
  objectPositions: ArrayLike<number>,
  toolPosition: ArrayLike<number>,
  config: EdgeConfig,
): GraphEdges {
  const n = objectPositions.length / 3;
  if (!Number.isInteger(n) || n === 0)
    throw new RangeError(
      `buildEdges: objectPositions must hold 3 values per object and at least one object, got ${objectPositions.length} values`,
    );
  if (toolPosition.length !== 3)
    throw new RangeError(`buildEdges: toolPosition must hold 3 values, got ${toolPosition.length}`);
  if (!(config.edgeRadius > 0) || !Number.isFinite(config.edgeRadius))
    throw new RangeError(`buildEdges: edgeRadius must be a positive number, got ${config.edgeRadius}`);
  if (!Number.isInteger(config.topK) || config.topK < 1)
    throw new RangeError(`buildEdges: topK must be a positive integer, got ${config.topK}`);

  const radius2 = config.edgeRadius * config.edgeRadius;
  const k = Math.min(config.topK, n);
  const receivers: number[] = [];
  const senders: number[] = [];
  const d2 = new Float64Array(n);
  const toolD2 = new Float64Array(n);
  const nearest = new Int32Array(k);
  const inTopK = new Uint8Array(n);
  for (let s = 0; s < n; s++) toolD2[s] = squaredDistance(objectPositions, s, toolPosition, 0);

  for (let r = 0; r < n; r++) {
    for (let s = 0; s < n; s++) d2[s] = squaredDistance(objectPositions, r, objectPositions, s);
    kSmallest(d2, k, nearest);
    for (let j = 0; j < k; j++) inTopK[nearest[j]] = 1;
    for (let s = 0; s < n; s++) {
      if (inTopK[s] === 1 && d2[s] < radius2) {
        receivers.push(r);
        senders.push(s);
      }
    }
    for (let j = 0; j < k; j++) inTopK[nearest[j]] = 0;
    if (config.connectAllToTool || toolD2[r] < radius2) {
      receivers.push(r);
      senders.push(n);
    }
  }
  for (let s = 0; s < n; s++) {
    if (config.connectAllToTool || toolD2[s] < radius2) {
      receivers.push(n);
      senders.push(s);
    }
  }
  return {
    objectCount: n,
    count: receivers.length,
    receivers: Int32Array.from(receivers),
    senders: Int32Array.from(senders),
  };
}

/** The object <- object edges (self-edges included) of a graph, in its order: what the edge-length loss and LBS use. */
export function objectObjectEdges(edges: GraphEdges): GraphEdges {
  const receivers: number[] = [];
  const senders: number[] = [];
  for (let e = 0; e < edges.count; e++) {
    if (edges.receivers[e] < edges.objectCount && edges.senders[e] < edges.objectCount) {
      receivers.push(edges.receivers[e]);
      senders.push(edges.senders[e]);
    }
  }
  return {
    objectCount: edges.objectCount,
    count: receivers.length,
    receivers: Int32Array.from(receivers),
    senders: Int32Array.from(senders),
  };
}

function squaredDistance(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const dx = a[3 * i] - b[3 * j];
  const dy = a[3 * i + 1] - b[3 * j + 1];
  const dz = a[3 * i + 2] - b[3 * j + 2];
  return dx * dx + dy * dy + dz * dz;
}

/** Writes into `out` the indices of the k smallest values, ordered by (value, index). */
function kSmallest(values: Float64Array, k: number, out: Int32Array): void {
  let filled = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (filled === k && !(v < values[out[k - 1]])) continue;
    // Insertion after every entry <= v keeps equal values in index order.
    let p = filled === k ? k - 1 : filled++;
    while (p > 0 && values[out[p - 1]] > v) {
      out[p] = out[p - 1];
      p--;
    }
    out[p] = i;
  }
}
