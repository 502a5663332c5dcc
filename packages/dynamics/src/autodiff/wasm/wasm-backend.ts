import { availableParallelism } from 'node:os';
import {
  checkGather,
  checkGemm,
  checkScatter,
  type GatherArgs,
  type GemmArgs,
  type ScatterArgs,
  type TensorBackend,
} from '../backend.js';
import { SharedHeap } from './heap.js';
import { COMMAND, CONTROL_BASE, CTL, CTL_WORDS, GEMM_MODE, PAGE_BYTES, SCRATCH_BASE } from './layout.js';
import {
  type AutodiffKernels,
  autodiffKernelModule,
  createKernelMemory,
  instantiateKernels,
} from './module.js';
import { KernelPool } from './pool.js';
import { buildRowIndex } from './row-index.js';
import type { WasmMemory } from './webassembly.js';

export { wasmBackendAvailable, wasmBackendUnavailableReason } from './module.js';

export interface WasmBackendOptions {
  /** Threads running the kernels, the calling thread included; default os.availableParallelism(), 1 = no workers. */
  threads?: number;
}

/** Below this many flops a gemm runs on the calling thread alone: waking the workers costs more than it saves. */
const PARALLEL_GEMM_FLOPS = 1 << 22;
/** Below this many floats moved a gather or scatter runs on the calling thread alone. */
const PARALLEL_ROW_FLOATS = 1 << 15;
/**
 * Reduction splitting (see assembly/gemm.ts): a gemm with fewer output blocks than this is split along k into
 * up to this many tasks, each slice at least SPLIT_MIN_K long. Both depend on the shape only, never on the thread
 * count, so the result is the same on any machine.
 */
const SPLIT_TARGET_TASKS = 16;
const SPLIT_MIN_K = 1024;

/**
 * The WebAssembly SIMD backend: kernels compiled from assembly/ (AssemblyScript), run by the calling thread and
 * `threads - 1` workers over one shared WebAssembly.Memory. Arrays from `alloc` live in that memory and are used
 * in place; other arrays are copied in and out. Every output float is computed by one thread in a fixed order,
 * so results are bit-identical from run to run and for any thread count. Outputs must not overlap inputs.
 */
export function createWasmBackend(options: WasmBackendOptions = {}): TensorBackend {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`wasm backend: options.threads must be a positive integer, got ${threads}`);
  return new WasmBackend(threads);
}

class WasmBackend implements TensorBackend {
  readonly name = 'wasm-simd';
  private readonly kernels: AutodiffKernels;
  private readonly memory: WasmMemory;
  private readonly heap: SharedHeap;
  private readonly pool: KernelPool | undefined;
  private readonly ctl: Uint32Array;
  private serial = 0;

  constructor(readonly threads: number) {
    const module = autodiffKernelModule();
    this.memory = createKernelMemory();
    this.kernels = instantiateKernels(module, this.memory);
    const stride = Math.ceil(this.kernels.gemmScratchBytes() / 4096) * 4096;
    const heapBase = SCRATCH_BASE + threads * stride;
    const have = this.memory.buffer.byteLength;
    if (heapBase > have) this.memory.grow(Math.ceil((heapBase - have) / PAGE_BYTES));
    this.heap = new SharedHeap(this.memory, heapBase);
    this.ctl = new Uint32Array(this.memory.buffer, CONTROL_BASE, CTL_WORDS);
    this.ctl.fill(0);
    this.set(CTL.scratch, SCRATCH_BASE);
    this.set(CTL.scratchStride, stride);
    this.pool = threads > 1 ? new KernelPool(module, this.memory, this.kernels, threads - 1) : undefined;
  }

  alloc(length: number): Float32Array {
    if (!Number.isInteger(length) || length < 0)
      throw new RangeError(`wasm backend: alloc length must be a non-negative integer, got ${length}`);
    return this.heap.f32(length);
  }

  release(array: Float32Array): void {
    this.heap.release(array);
  }

  memoryStats(): { liveBytes: number; heapBytes: number } {
    return this.heap.stats();
  }

  dispose(): void {
    this.pool?.dispose();
  }

  gemm(g: GemmArgs): void {
    checkGemm(this.name, g);
    const { m, n, k } = g;
    if (m === 0 || n === 0) return;
    if (k === 0) {
      emptyProduct(g);
      return;
    }
    const staged = new Staging(this.heap);
    try {
      const a = staged.input(g.a, m * k);
      const b = staged.input(g.b, k * n);
      const bias = g.bias ? staged.input(g.bias, n) : 0;
      const c = staged.output(g.c, m * n, g.accumulate === true);
      const blocks = this.kernels.gemmTasks(m, n, 1);
      let splits = 1;
      if (blocks < SPLIT_TARGET_TASKS)
        splits = Math.max(1, Math.min(Math.ceil(SPLIT_TARGET_TASKS / blocks), Math.floor(k / SPLIT_MIN_K)));
      const splitK = Math.ceil(k / splits);
      splits = Math.ceil(k / splitK);
      const partials = splits > 1 ? staged.scratch(splits * m * n) : 0;
      this.set(CTL.m, m);
      this.set(CTL.n, n);
      this.set(CTL.k, k);
      this.set(CTL.a, a);
      this.set(CTL.b, b);
      this.set(CTL.c, c);
      this.set(CTL.transA, g.transposeA ? 1 : 0);
      this.set(CTL.transB, g.transposeB ? 1 : 0);
      this.set(CTL.mode, g.accumulate ? GEMM_MODE.accumulate : g.bias ? GEMM_MODE.bias : GEMM_MODE.overwrite);
      this.set(CTL.bias, bias);
      this.set(CTL.relu, g.relu ? 1 : 0);
      this.set(CTL.splits, splits);
      this.set(CTL.splitK, splitK);
      this.set(CTL.partials, partials);
      // Never 0, the tag of a thread that has packed nothing yet.
      this.serial = (this.serial % 0x7fffffff) + 1;
      this.set(CTL.serial, this.serial);
      const parallel = 2 * m * n * k >= PARALLEL_GEMM_FLOPS;
      this.execute(COMMAND.gemm, this.kernels.gemmTasks(m, n, splits), parallel);
      if (splits > 1) this.execute(COMMAND.gemmReduce, this.kernels.gemmReduceTasks(m), parallel);
      staged.finish();
    } finally {
      staged.releaseAll();
    }
  }

  gatherRows(g: GatherArgs): void {
    checkGather(this.name, g);
    const count = g.indices.length;
    if (count === 0 || g.cols === 0) return;
    const staged = new Staging(this.heap);
    try {
      this.set(CTL.src, staged.input(g.src, g.srcRows * g.cols));
      this.set(CTL.dst, staged.output(g.out, count * g.cols, g.accumulate === true));
      this.set(CTL.indices, staged.indices(g.indices));
      this.set(CTL.count, count);
      this.set(CTL.cols, g.cols);
      this.set(CTL.accumulate, g.accumulate ? 1 : 0);
      this.execute(COMMAND.gather, this.kernels.rowTasks(count), count * g.cols >= PARALLEL_ROW_FLOATS);
      staged.finish();
    } finally {
      staged.releaseAll();
    }
  }

  scatterAddRows(s: ScatterArgs): void {
    checkScatter(this.name, s);
    const rows = s.outRows;
    if (rows === 0 || s.cols === 0) return;
    const staged = new Staging(this.heap);
    try {
      const offsets = staged.int32(rows + 1);
      const order = staged.int32(s.indices.length);
      buildRowIndex(s.indices, rows, offsets, order);
      this.set(CTL.src, staged.input(s.src, s.indices.length * s.cols));
      this.set(CTL.dst, staged.output(s.out, rows * s.cols, s.accumulate === true));
      this.set(CTL.offsets, offsets.byteOffset);
      this.set(CTL.order, order.byteOffset);
      this.set(CTL.rows, rows);
      this.set(CTL.cols, s.cols);
      this.set(CTL.accumulate, s.accumulate ? 1 : 0);
      const moved = (s.indices.length + rows) * s.cols;
      this.execute(COMMAND.scatter, this.kernels.rowTasks(rows), moved >= PARALLEL_ROW_FLOATS);
      staged.finish();
    } finally {
      staged.releaseAll();
    }
  }

  private set(offset: number, value: number): void {
    this.ctl[offset >> 2] = value;
  }

  private execute(command: number, tasks: number, parallel: boolean): void {
    this.set(CTL.counter, 0);
    this.set(CTL.tasks, tasks);
    if (parallel && this.pool && tasks > 1) this.pool.run(command);
    else this.kernels.run(CONTROL_BASE, command, 0);
  }
}

/** C = (bias | 0) or C unchanged, then ReLU: the product over an empty reduction. */
function emptyProduct(g: GemmArgs): void {
  const { m, n, c } = g;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = g.accumulate ? c[i * n + j] : g.bias ? g.bias[j] : 0;
      c[i * n + j] = g.relu ? Math.max(0, v) : v;
    }
  }
}

/**
 * The heap addresses of one call's operands: arrays already in the heap are used in place, others are copied in
 * (and outputs copied back by `finish`); temporaries are released whatever happens.
 */
class Staging {
  private readonly temporaries: (Float32Array | Int32Array)[] = [];
  private readonly copyBack: { from: Float32Array; to: Float32Array }[] = [];

  constructor(private readonly heap: SharedHeap) {}

  input(view: Float32Array, length: number): number {
    const at = this.heap.addressOf(view);
    if (at !== undefined) return at;
    const copy = this.heap.f32(length);
    this.temporaries.push(copy);
    copy.set(view.subarray(0, length));
    return copy.byteOffset;
  }

  output(view: Float32Array, length: number, keepContents: boolean): number {
    const at = this.heap.addressOf(view);
    if (at !== undefined) return at;
    const copy = this.heap.f32(length);
    this.temporaries.push(copy);
    if (keepContents) copy.set(view.subarray(0, length));
    this.copyBack.push({ from: copy, to: view });
    return copy.byteOffset;
  }

  indices(indices: Int32Array): number {
    const copy = this.int32(indices.length);
    copy.set(indices);
    return copy.byteOffset;
  }

  int32(length: number): Int32Array {
    const array = this.heap.i32(length);
    this.temporaries.push(array);
    return array;
  }

  scratch(length: number): number {
    const array = this.heap.f32(length);
    this.temporaries.push(array);
    return array.byteOffset;
  }

  finish(): void {
    for (const { from, to } of this.copyBack) to.set(from);
  }

  releaseAll(): void {
    for (const t of this.temporaries) this.heap.release(t);
    this.temporaries.length = 0;
  }
}
