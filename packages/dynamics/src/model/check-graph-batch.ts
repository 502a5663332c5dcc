import type { GraphBatch } from '../graph/types.js';
import type { PropNetConfig } from './config.js';

/**
 * Rejects a batch whose arrays disagree with its counts, whose widths differ from the network's, or whose indices
 * point outside its vertices: onnxruntime would otherwise fail with an opaque message, or (ScatterND) not at all.
 */
export function checkGraphBatch(
  batch: GraphBatch,
  config?: Pick<PropNetConfig, 'vertexDim' | 'edgeDim'>,
): void {
  const { vertexCount: V, edgeCount: E } = batch;
  for (const key of ['vertexCount', 'edgeCount', 'vertexDim', 'edgeDim'] as const)
    if (!Number.isInteger(batch[key]) || batch[key] < 0)
      throw new RangeError(`GraphBatch.${key} = ${batch[key]}: expected an integer >= 0`);
  if (config && batch.vertexDim !== config.vertexDim)
    throw new RangeError(
      `GraphBatch.vertexDim = ${batch.vertexDim}: the network expects ${config.vertexDim}`,
    );
  if (config && batch.edgeDim !== config.edgeDim)
    throw new RangeError(`GraphBatch.edgeDim = ${batch.edgeDim}: the network expects ${config.edgeDim}`);
  expectLength('vertexFeatures', batch.vertexFeatures, V * batch.vertexDim);
  expectLength('edgeFeatures', batch.edgeFeatures, E * batch.edgeDim);
  expectLength('receivers', batch.receivers, E);
  expectLength('senders', batch.senders, E);
  expectIndices('receivers', batch.receivers, V);
  expectIndices('senders', batch.senders, V);
  expectIndices('objectVertices', batch.objectVertices, V);
}

function expectLength(field: string, array: ArrayLike<number>, length: number): void {
  if (array.length !== length)
    throw new RangeError(`GraphBatch.${field} has ${array.length} values, expected ${length}`);
}

function expectIndices(field: string, indices: Int32Array, vertexCount: number): void {
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (v < 0 || v >= vertexCount)
      throw new RangeError(
        `GraphBatch.${field}[${i}] = ${v}: expected a vertex index in [0, ${vertexCount})`,
      );
  }
}
