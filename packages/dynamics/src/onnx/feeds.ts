import type { GraphBatch } from '../graph/types.js';
import { ONNX_INPUTS } from './export.js';

/** One input tensor as plain, transferable data (what a worker thread receives). */
export interface TensorData {
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: number[];
}

export type OnnxFeeds = Record<string, TensorData>;

/**
 * The exported graph's inputs for a batch. Callers check the batch first (checkGraphBatch). With `copy` (the
 * default) no array of the batch is shared with the feeds; without it the feature arrays are used as they are,
 * which suits an in-process session, or a batch of its own (partitionGraphBatch's parts) whose buffers may then be
 * transferred to a worker.
 */
export function graphBatchFeeds(batch: GraphBatch, copy = true): OnnxFeeds {
  return {
    [ONNX_INPUTS.vertexFeatures]: {
      type: 'float32',
      data: copy ? batch.vertexFeatures.slice() : batch.vertexFeatures,
      dims: [batch.vertexCount, batch.vertexDim],
    },
    [ONNX_INPUTS.edgeFeatures]: {
      type: 'float32',
      data: copy ? batch.edgeFeatures.slice() : batch.edgeFeatures,
      dims: [batch.edgeCount, batch.edgeDim],
    },
    [ONNX_INPUTS.receivers]: { type: 'int64', data: toInt64(batch.receivers), dims: [batch.edgeCount] },
    [ONNX_INPUTS.senders]: { type: 'int64', data: toInt64(batch.senders), dims: [batch.edgeCount] },
    [ONNX_INPUTS.objectVertices]: {
      type: 'int64',
      data: toInt64(batch.objectVertices),
      dims: [batch.objectVertices.length],
    },
  };
}

/**
 * Widens int32 indices to int64 by writing the two 32-bit halves (little-endian: low word, then the sign word),
 * which avoids one BigInt allocation per index.
 */
export function toInt64(values: Int32Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  const words = new Int32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    words[2 * i] = values[i];
    words[2 * i + 1] = values[i] < 0 ? -1 : 0;
  }
  return out;
}

/** The buffers of `feeds`, for a transfer list. */
export function feedBuffers(feeds: OnnxFeeds): ArrayBuffer[] {
  return Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer);
}
