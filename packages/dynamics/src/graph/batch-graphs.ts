import type { ParticleGraph } from './build-graph.js';
import type { GraphBatch } from './types.js';

/** Where one sample sits in a batch. */
export interface BatchSample {
  /** Its first vertex: objects are vertexOffset .. vertexOffset + objectCount - 1. */
  vertexOffset: number;
  objectCount: number;
  /** Its end-effector vertex (vertexOffset + objectCount). */
  toolVertex: number;
  /** Its first row in `objectVertices`, i.e. in the decoder output. */
  objectOffset: number;
  edgeOffset: number;
  edgeCount: number;
}

export interface BatchedGraphs {
  batch: GraphBatch;
  samples: BatchSample[];
  /**
   * The object <- object edges of every sample (self-edges included), as rows of the decoder output
   * (`objectVertices` order), for the edge-length regulariser and LBS.
   */
  objectEdges: { count: number; receivers: Int32Array; senders: Int32Array };
}

/**
 * Concatenates sample graphs into one GraphBatch: vertices of sample b follow those of sample b - 1 (objects, then
 * its tool), edge indices are offset to be global, and objectVertices lists every sample's object vertices in
 * order. All graphs must have the same feature widths.
 */
export function batchGraphs(graphs: readonly ParticleGraph[]): BatchedGraphs {
  if (graphs.length === 0) throw new RangeError('batchGraphs: no graphs');
  const { vertexDim, edgeDim } = graphs[0];
  let vertexCount = 0;
  let edgeCount = 0;
  let objectCount = 0;
  let objectEdgeCount = 0;
  graphs.forEach((g, b) => {
    if (g.vertexDim !== vertexDim || g.edgeDim !== edgeDim)
      throw new RangeError(
        `batchGraphs: graph ${b} has feature widths ${g.vertexDim}/${g.edgeDim}, graph 0 has ${vertexDim}/${edgeDim}`,
      );
    if (g.vertexCount !== g.objectCount + 1 || g.edges.objectCount !== g.objectCount)
      throw new RangeError(`batchGraphs: graph ${b} is inconsistent (objects, vertices and edges disagree)`);
    vertexCount += g.vertexCount;
    edgeCount += g.edges.count;
    objectCount += g.objectCount;
    for (let e = 0; e < g.edges.count; e++)
      if (g.edges.receivers[e] < g.objectCount && g.edges.senders[e] < g.objectCount) objectEdgeCount++;
  });

  const vertexFeatures = new Float32Array(vertexCount * vertexDim);
  const edgeFeatures = new Float32Array(edgeCount * edgeDim);
  const receivers = new Int32Array(edgeCount);
  const senders = new Int32Array(edgeCount);
  const objectVertices = new Int32Array(objectCount);
  const objectReceivers = new Int32Array(objectEdgeCount);
  const objectSenders = new Int32Array(objectEdgeCount);
  const samples: BatchSample[] = [];
  let v0 = 0;
  let e0 = 0;
  let o0 = 0;
  let oe = 0;
  for (const g of graphs) {
    samples.push({
      vertexOffset: v0,
      objectCount: g.objectCount,
      toolVertex: v0 + g.objectCount,
      objectOffset: o0,
      edgeOffset: e0,
      edgeCount: g.edges.count,
    });
    vertexFeatures.set(g.vertexFeatures, v0 * vertexDim);
    edgeFeatures.set(g.edgeFeatures, e0 * edgeDim);
    for (let e = 0; e < g.edges.count; e++) {
      const r = g.edges.receivers[e];
      const s = g.edges.senders[e];
      receivers[e0 + e] = v0 + r;
      senders[e0 + e] = v0 + s;
      if (r < g.objectCount && s < g.objectCount) {
        objectReceivers[oe] = o0 + r;
        objectSenders[oe] = o0 + s;
        oe++;
      }
    }
    for (let i = 0; i < g.objectCount; i++) objectVertices[o0 + i] = v0 + i;
    v0 += g.vertexCount;
    e0 += g.edges.count;
    o0 += g.objectCount;
  }
  return {
    batch: {
      vertexCount,
      vertexDim,
      vertexFeatures,
      edgeCount,
      edgeDim,
      edgeFeatures,
      receivers,
      senders,
      objectVertices,
    },
    samples,
    objectEdges: { count: objectEdgeCount, receivers: objectReceivers, senders: objectSenders },
  };
}
