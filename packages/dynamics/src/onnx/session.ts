import type ort from 'onnxruntime-node';
import type { GraphBatch } from '../graph/types.js';
import { checkGraphBatch } from '../model/check-graph-batch.js';
import { ONNX_INPUTS, ONNX_OUTPUT } from './export.js';
import { graphBatchFeeds } from './feeds.js';
import {
  DEFAULT_PART_VERTICES,
  mergePartDisplacements,
  partCount,
  partitionGraphBatch,
} from './partition-graph-batch.js';

/** Something that predicts the displacement of every object vertex of a batch (objectVertices.length x 3). */
export interface DisplacementRunner {
  run(batch: GraphBatch): Promise<Float32Array>;
  /** Frees the sessions (and workers). Safe to call twice; `run` rejects afterwards. */
  dispose(): Promise<void>;
}

/**
 * Single-threaded sessions only: onnxruntime's CPU ScatterND(reduction = add) loses updates with more than one
 * intra-op thread (stack-findings.md). Parallelism comes from one such session per worker thread instead.
 */
export const SINGLE_THREAD_SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
} as const satisfies ort.InferenceSession.SessionOptions;

/** An input of a loaded model: its name and shape (numbers for fixed dimensions, names for dynamic ones). */
export interface ModelInput {
  name: string;
  shape: readonly (number | string)[];
}

/** The inputs of a loaded session, as the worker threads also report them. */
export function sessionInputs(session: ort.InferenceSession): ModelInput[] {
  return session.inputNames.map((name, i) => {
    const meta = session.inputMetadata[i];
    return { name, shape: meta?.isTensor ? meta.shape : [] };
  });
}

/** The vertex and edge feature widths a model's inputs declare (the fixed second dimensions). */
export function modelInputWidths(inputs: readonly ModelInput[]): { vertexDim: number; edgeDim: number } {
  const width = (name: string): number => {
    const dim = inputs.find((input) => input.name === name)?.shape[1];
    if (typeof dim !== 'number')
      throw new Error(`ONNX model: input '${name}' has no fixed width (not a gsdyn model)`);
    return dim;
  };
  return { vertexDim: width(ONNX_INPUTS.vertexFeatures), edgeDim: width(ONNX_INPUTS.edgeFeatures) };
}

/**
 * One in-process, single-threaded session: the simplest runner, for small calls (one rollout, tests). It runs on
 * the calling thread; use `createOnnxRunner` to spread large batches over cores.
 */
export async function createOnnxSession(
  modelBytes: Uint8Array,
  options: { partVertices?: number } = {},
): Promise<DisplacementRunner> {
  const partVertices = options.partVertices ?? DEFAULT_PART_VERTICES;
  partCount(0, 1, partVertices); // validates
  // Loaded on first use: importing the package must not load the native runtime for callers that never infer.
  const { Tensor, InferenceSession } = await import('onnxruntime-node');
  let session: ort.InferenceSession | undefined = await InferenceSession.create(
    modelBytes,
    SINGLE_THREAD_SESSION_OPTIONS,
  );
  const widths = modelInputWidths(sessionInputs(session));
  return {
    async run(batch) {
      if (!session) throw new Error('ONNX session: run() after dispose()');
      checkGraphBatch(batch, widths);
      const K = batch.objectVertices.length;
      if (K === 0) return new Float32Array(0);
      const disposedWhileRunning = () => new Error('ONNX session: disposed while running');
      const runPart = async (part: GraphBatch): Promise<Float32Array> => {
        if (!session) throw disposedWhileRunning();
        const feeds: Record<string, ort.Tensor> = {};
        for (const [name, t] of Object.entries(graphBatchFeeds(part, false)))
          feeds[name] = new Tensor(t.type, t.data, t.dims);
        try {
          const results = await session.run(feeds);
          return Float32Array.from(results[ONNX_OUTPUT].data as Float32Array);
        } catch (error) {
          // onnxruntime refuses a run on a released session ("Session already disposed"): say why it was released.
          throw session ? error : disposedWhileRunning();
        }
      };
      const count = partCount(batch.vertexCount, 1, partVertices);
      if (count === 1) return runPart(batch);
      // Large batches run in cache-sized parts, one after another.
      const parts = partitionGraphBatch(batch, count);
      const outputs: Float32Array[] = [];
      for (const part of parts) outputs.push(await runPart(part.batch));
      return mergePartDisplacements(parts, outputs, K);
    },
    async dispose() {
      const s = session;
      session = undefined;
      await s?.release();
    },
  };
}
