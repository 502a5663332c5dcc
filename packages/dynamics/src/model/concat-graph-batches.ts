import type { GraphBatch } from '../graph/types.js';

/**
 * One batch holding the given batches one after another: vertices, edges and object vertices are appended in order
 * and indices shifted by the vertices before them. Sum aggregation makes the result's outputs the concatenation of
 * the parts' outputs.
 */
export function concatGraphBatches(batches: readonly GraphBatch[]): GraphBatch {
  if (batches.length === 0) throw new RangeError('concatGraphBatches: expected at least one batch');
  const { vertexDim, edgeDim } = batches[0];
  let V = 0;
  let E = 0;
  let K = 0;
  for (const [i, b] of batches.entries()) {
    if (b.vertexDim !== vertexDim || b.edgeDim !== edgeDim)
      throw new RangeError(
        `concatGraphBatches: batch ${i} has widths (${b.vertexDim}, ${b.edgeDim}), batch 0 (${vertexDim}, ${edgeDim})`,
      );
    V += b.vertexCount;
    E += b.edgeCount;
    K += b.objectVertices.length;
  }
  const out: GraphBatch = {
    vertexCount: V,
    vertexDim,
    vertexFeatures: new Float32Array(V * vertexDim),
    edgeCount: E,
    edgeDim,
    edgeFeatures: new Float32Array(E * edgeDim),
    receivers: new Int32Array(E),
    senders: new Int32Array(E),
    objectVertices: new Int32Array(K),
  };
  let v0 = 0;
  let e0 = 0;
  let k0 = 0;
  for (const b of batches) {
    out.vertexFeatures.set(b.vertexFeatures, v0 * vertexDim);
    out.edgeFeatures.set(b.edgeFeatures, e0 * edgeDim);
    for (let e = 0; e < b.edgeCount; e++) {
      out.receivers[e0 + e] = b.receivers[e] + v0;
      out.senders[e0 + e] = b.senders[e] + v0;
    }
    for (let k = 0; k < b.objectVertices.length; k++) out.objectVertices[k0 + k] = b.objectVertices[k] + v0;
    v0 += b.vertexCount;
    e0 += b.edgeCount;
    k0 += b.objectVertices.length;
  }
  return out;
}
