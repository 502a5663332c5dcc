/**
 * A batch of particle graphs, concatenated (vertices of sample b follow those of sample b - 1, edge indices are
 * global), the input of every forward pass of the dynamics network. Sum aggregation over receivers makes
 * concatenation exact: no padding slots, nothing to mask.
 */
export interface GraphBatch {
  /** Total vertices V (object particles and end-effector vertices of every sample). */
  vertexCount: number;
  vertexDim: number;
  /** V * vertexDim, row-major. */
  vertexFeatures: Float32Array;
  /** Total edges E. */
  edgeCount: number;
  edgeDim: number;
  /** E * edgeDim, row-major. */
  edgeFeatures: Float32Array;
  /** E vertex indices each: messages flow sender -> receiver. */
  receivers: Int32Array;
  senders: Int32Array;
  /** The object vertices, in output order: the decoder predicts one displacement per entry. */
  objectVertices: Int32Array;
}
