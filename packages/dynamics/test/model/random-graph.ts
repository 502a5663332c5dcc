// Random graph batches for the model and ONNX tests: features of the magnitudes the real ones have (one-hot
// attributes, centimetre actions and relative positions), edges chosen at random.
import type { Random } from '@gsdyn/geometry';
import type { GraphBatch } from '../../src/graph/types.js';

export interface RandomGraphOptions {
  vertices: number;
  edges: number;
  vertexDim: number;
  edgeDim: number;
  /** The first `objects` vertices are object vertices (default: all but the last, the tool). */
  objects?: number;
  /** Receivers drawn from [0, receiverLimit) only (default: every vertex), to leave vertices without messages. */
  receiverLimit?: number;
}

export function randomGraph(random: Random, options: RandomGraphOptions): GraphBatch {
  const { vertices: V, edges: E, vertexDim, edgeDim } = options;
  const objects = options.objects ?? Math.max(1, V - 1);
  const receiverLimit = options.receiverLimit ?? V;
  const feature = (i: number) => (i < 2 ? (random.next() < 0.5 ? 1 : 0) : random.uniform(-0.05, 0.05));
  const vertexFeatures = new Float32Array(V * vertexDim);
  for (let v = 0; v < V; v++)
    for (let i = 0; i < vertexDim; i++) vertexFeatures[v * vertexDim + i] = feature(i);
  const edgeFeatures = new Float32Array(E * edgeDim);
  for (let e = 0; e < E; e++) for (let i = 0; i < edgeDim; i++) edgeFeatures[e * edgeDim + i] = feature(i);
  return {
    vertexCount: V,
    vertexDim,
    vertexFeatures,
    edgeCount: E,
    edgeDim,
    edgeFeatures,
    receivers: Int32Array.from({ length: E }, () => random.int(receiverLimit)),
    senders: Int32Array.from({ length: E }, () => random.int(V)),
    objectVertices: Int32Array.from({ length: objects }, (_, k) => k),
  };
}

/** The largest absolute difference between two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
