import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { GraphBatch } from '../graph/types.js';
import { checkGraphBatch } from '../model/check-graph-batch.js';
import { ONNX_OUTPUT } from './export.js';
import { feedBuffers, graphBatchFeeds, type OnnxFeeds } from './feeds.js';
import {
  DEFAULT_PART_VERTICES,
  mergePartDisplacements,
  partCount,
  partitionGraphBatch,
} from './partition-graph-batch.js';
import { type DisplacementRunner, modelInputWidths, SINGLE_THREAD_SESSION_OPTIONS } from './session.js';

const WORKER_URL = new URL('../../worker/onnx-worker.mjs', import.meta.url);

export interface OnnxRunnerOptions {
  /** Worker threads, each with one single-threaded session (default: the available cores). */
  workers?: number;
  /** About this many vertices per part a batch is cut into (default DEFAULT_PART_VERTICES). */
  partVertices?: number;
}

export interface OnnxRunner extends DisplacementRunner {
  readonly workers: number;
}

// What the worker thread sends back (worker/onnx-worker.mjs), checked because it crosses a thread boundary.
const WorkerMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ready'),
    inputs: z.array(z.object({ name: z.string(), shape: z.array(z.union([z.number(), z.string()])) })),
  }),
  z.object({ kind: z.literal('failed'), message: z.string() }),
  z.object({
    kind: z.literal('result'),
    id: z.number(),
    outputs: z.record(z.string(), z.object({ data: z.instanceof(Float32Array), dims: z.array(z.number()) })),
  }),
  z.object({ kind: z.literal('error'), id: z.number(), message: z.string() }),
]);
type WorkerMessage = z.infer<typeof WorkerMessageSchema>;

interface Pending {
  resolve: (output: Float32Array) => void;
  reject: (error: Error) => void;
}

/**
 * One worker thread and its session. The thread is referenced only while it has work in flight, so an idle pool
 * never keeps the process alive, even when nobody disposes it. It is closed, never terminated: terminating a thread
 * in the middle of an onnxruntime run aborts the process, so `close` lets the current run finish, skips the queued
 * ones (through a shared flag the thread reads before each run) and waits for the thread to end itself.
 */
class SessionWorker {
  readonly pending = new Map<number, Pending>();
  readonly ready: Promise<Extract<WorkerMessage, { kind: 'ready' }>>;
  private readonly closing = new Int32Array(new SharedArrayBuffer(4));
  private readonly exited: Promise<void>;
  private nextId = 0;
  private failure: Error | undefined;

  private readonly worker: Worker;

  constructor(
    modelBytes: Uint8Array,
    private readonly index: number,
  ) {
    this.worker = new Worker(WORKER_URL, {
      workerData: { modelBytes, sessionOptions: SINGLE_THREAD_SESSION_OPTIONS, closing: this.closing },
    });
    const worker = this.worker;
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (raw: unknown) => {
        const parsed = WorkerMessageSchema.safeParse(raw);
        if (!parsed.success)
          return this.fail(new Error(`ONNX worker ${index}: unexpected message from the worker`));
        const message = parsed.data;
        if (message.kind === 'ready') {
          // A worker closed while it was still loading stays referenced until it has ended.
          if (Atomics.load(this.closing, 0) === 0) worker.unref();
          resolve(message);
        } else if (message.kind === 'failed') {
          reject(new Error(`ONNX worker ${index}: cannot load the model: ${message.message}`));
        } else this.settle(message);
      });
      const lost = (error: Error) => {
        reject(error);
        this.fail(error);
      };
      worker.on('error', (error) => lost(new Error(`ONNX worker ${index} crashed: ${error.message}`)));
      worker.on('exit', (code) => lost(new Error(`ONNX worker ${index} exited (code ${code})`)));
    });
  }

  run(feeds: OnnxFeeds): Promise<Float32Array> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ kind: 'run', id, feeds }, feedBuffers(feeds));
    });
  }

  /** Rejects everything in flight with `reason` and resolves once the thread has ended. */
  close(reason: Error): Promise<void> {
    this.fail(reason);
    Atomics.store(this.closing, 0, 1);
    // Held until the thread ends: exiting the process under a running session would abort it.
    this.worker.ref();
    this.worker.postMessage({ kind: 'close' });
    return this.exited;
  }

  private settle(message: Extract<WorkerMessage, { kind: 'result' | 'error' }>): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker.unref();
    const output = message.kind === 'result' ? message.outputs[ONNX_OUTPUT] : undefined;
    if (output) pending.resolve(output.data);
    else if (message.kind === 'error')
      pending.reject(new Error(`ONNX worker ${this.index}: ${message.message}`));
    else pending.reject(new Error(`ONNX worker ${this.index}: no '${ONNX_OUTPUT}' output`));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.worker.unref();
  }
}

/**
 * A pool of worker threads, each holding one single-threaded onnxruntime session of the model, for throughput on
 * large batches: `run` cuts the batch between samples into parts of about `partVertices` vertices, at least one
 * per worker (partitionGraphBatch, partCount), runs them in parallel and puts the displacements back in order.
 * Parts, and concurrent `run` calls, queue on the least busy workers. Resolves once every worker has loaded the
 * model; fails if any cannot.
 */
export async function createOnnxRunner(
  modelBytes: Uint8Array,
  options: OnnxRunnerOptions = {},
): Promise<OnnxRunner> {
  const count = options.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`createOnnxRunner: workers = ${count}, expected an integer >= 1`);
  const partVertices = options.partVertices ?? DEFAULT_PART_VERTICES;
  partCount(0, count, partVertices); // validates
  const workers = Array.from({ length: count }, (_, i) => new SessionWorker(modelBytes, i));
  let widths: { vertexDim: number; edgeDim: number };
  try {
    const [first] = await Promise.all(workers.map((w) => w.ready));
    widths = modelInputWidths(first.inputs);
  } catch (error) {
    await Promise.all(workers.map((w) => w.close(error as Error)));
    throw error;
  }

  let disposed: Promise<void> | undefined;
  return {
    workers: count,
    async run(batch: GraphBatch): Promise<Float32Array> {
      if (disposed) throw new Error('ONNX runner: run() after dispose()');
      checkGraphBatch(batch, widths);
      const K = batch.objectVertices.length;
      if (K === 0) return new Float32Array(0);
      const parts = partitionGraphBatch(batch, partCount(batch.vertexCount, count, partVertices)).filter(
        (p) => p.batch.objectVertices.length > 0,
      );
      const outputs = await Promise.all(
        parts.map((part) => {
          const idlest = workers.reduce((best, w) => (w.pending.size < best.pending.size ? w : best));
          // The parts own their arrays (partitionGraphBatch copies), so they are transferred, not copied again.
          return idlest.run(graphBatchFeeds(part.batch, false));
        }),
      );
      return mergePartDisplacements(parts, outputs, K);
    },
    dispose(): Promise<void> {
      disposed ??= Promise.all(
        workers.map((w) => w.close(new Error('ONNX runner: disposed while running'))),
      ).then(() => undefined);
      return disposed;
    },
  };
}
