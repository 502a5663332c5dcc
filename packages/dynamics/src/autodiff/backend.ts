/**
 * The heavy kernels of the autodiff tape, behind one interface with two implementations: a plain TypeScript
 * reference (reference-backend.ts, the oracle in tests) and a WebAssembly SIMD one on worker threads
 * (wasm/wasm-backend.ts). Matrices are tight row-major Float32Arrays. A backend also owns the storage of the
 * tensors: arrays from `alloc` are read and written by its kernels in place (the WebAssembly backend places them
 * in its shared memory); other arrays are accepted too, at the cost of a copy.
 */
export interface TensorBackend {
  readonly name: string;
  /** Threads the kernels run on, the calling thread included. */
  readonly threads: number;
  /** Storage for `length` floats; its contents are unspecified (possibly a released array's). */
  alloc(length: number): Float32Array;
  /** Gives an array from `alloc` back; it must not be used afterwards. */
  release(array: Float32Array): void;
  /** C = op(A) op(B) (+ C when accumulating, + bias on every row), then the optional ReLU. */
  gemm(args: GemmArgs): void;
  /** out[e] = src[indices[e]] (or +=), one row of `cols` floats each. */
  gatherRows(args: GatherArgs): void;
  /** out[r] = sum of src[e] over the e with indices[e] = r (or +=), summed in increasing e. */
  scatterAddRows(args: ScatterArgs): void;
  /** Bytes of storage handed out and not released, and bytes the backend holds for storage. */
  memoryStats(): { liveBytes: number; heapBytes: number };
  /** Stops the worker threads, if any; the backend cannot be used afterwards. */
  dispose(): void;
}

export interface GemmArgs {
  /** op(A) is m x k, op(B) is k x n, C is m x n. */
  m: number;
  n: number;
  k: number;
  /** Stored m x k, or k x m when transposed. */
  a: Float32Array;
  transposeA?: boolean;
  /** Stored k x n, or n x k when transposed. */
  b: Float32Array;
  transposeB?: boolean;
  c: Float32Array;
  /** C += op(A) op(B) instead of C = op(A) op(B). */
  accumulate?: boolean;
  /** n values added to every row of the product; not together with `accumulate`. */
  bias?: Float32Array;
  /** max(0, .) on the result. */
  relu?: boolean;
}

export interface GatherArgs {
  /** srcRows x cols. */
  src: Float32Array;
  srcRows: number;
  cols: number;
  /** One source row per output row, each in [0, srcRows). */
  indices: Int32Array;
  /** indices.length x cols. */
  out: Float32Array;
  accumulate?: boolean;
}

export interface ScatterArgs {
  /** indices.length x cols. */
  src: Float32Array;
  cols: number;
  /** The output row of each source row, each in [0, outRows). */
  indices: Int32Array;
  /** outRows x cols. */
  out: Float32Array;
  outRows: number;
  accumulate?: boolean;
}

function fail(backend: string, message: string): never {
  throw new RangeError(`${backend} backend: ${message}`);
}

function checkCount(backend: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0)
    fail(backend, `${what} must be a non-negative integer, got ${value}`);
}

function checkLength(backend: string, what: string, array: ArrayLike<number>, needed: number): void {
  if (array.length < needed) fail(backend, `${what} has ${array.length} values, needs ${needed}`);
}

/** Throws a RangeError naming the first index outside [0, bound). */
export function checkIndices(backend: string, indices: Int32Array, bound: number): void {
  for (let e = 0; e < indices.length; e++) {
    const i = indices[e];
    if (!(i >= 0 && i < bound)) fail(backend, `indices[${e}] = ${i} is outside [0, ${bound})`);
  }
}

export function checkGemm(backend: string, g: GemmArgs): void {
  checkCount(backend, 'gemm m', g.m);
  checkCount(backend, 'gemm n', g.n);
  checkCount(backend, 'gemm k', g.k);
  checkLength(backend, 'gemm a', g.a, g.m * g.k);
  checkLength(backend, 'gemm b', g.b, g.k * g.n);
  checkLength(backend, 'gemm c', g.c, g.m * g.n);
  if (g.bias) {
    if (g.accumulate) fail(backend, 'gemm takes a bias or accumulates, not both');
    checkLength(backend, 'gemm bias', g.bias, g.n);
  }
}

export function checkGather(backend: string, g: GatherArgs): void {
  checkCount(backend, 'gather srcRows', g.srcRows);
  checkCount(backend, 'gather cols', g.cols);
  checkLength(backend, 'gather src', g.src, g.srcRows * g.cols);
  checkLength(backend, 'gather out', g.out, g.indices.length * g.cols);
  checkIndices(backend, g.indices, g.srcRows);
}

export function checkScatter(backend: string, s: ScatterArgs): void {
  checkCount(backend, 'scatter outRows', s.outRows);
  checkCount(backend, 'scatter cols', s.cols);
  checkLength(backend, 'scatter src', s.src, s.indices.length * s.cols);
  checkLength(backend, 'scatter out', s.out, s.outRows * s.cols);
  checkIndices(backend, s.indices, s.outRows);
}
