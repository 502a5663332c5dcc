import {
  checkGather,
  checkGemm,
  checkScatter,
  type GatherArgs,
  type GemmArgs,
  type ScatterArgs,
  type TensorBackend,
} from './backend.js';

/**
 * The plain TypeScript backend: the readable definition of every kernel and the oracle the WebAssembly backend is
 * tested against. Products are accumulated in float64, row by row, then rounded once. Storage is ordinary
 * Float32Arrays left to the garbage collector.
 */
export function createReferenceBackend(): TensorBackend {
  let liveBytes = 0;
  return {
    name: 'reference',
    threads: 1,
    alloc(length) {
      if (!Number.isInteger(length) || length < 0)
        throw new RangeError(`reference backend: alloc length must be a non-negative integer, got ${length}`);
      liveBytes += length * 4;
      return new Float32Array(length);
    },
    release(array) {
      liveBytes -= array.length * 4;
    },
    gemm: referenceGemm,
    gatherRows: referenceGather,
    scatterAddRows: referenceScatter,
    memoryStats: () => ({ liveBytes, heapBytes: liveBytes }),
    dispose() {},
  };
}

export function referenceGemm(g: GemmArgs): void {
  checkGemm('reference', g);
  const { m, n, k, a, b, c } = g;
  // op(A)[i][p] = a[i * aRow + p * aCol], op(B)[p][j] = b[p * bRow + j * bCol].
  const aRow = g.transposeA ? 1 : k;
  const aCol = g.transposeA ? m : 1;
  const bRow = g.transposeB ? 1 : n;
  const bCol = g.transposeB ? k : 1;
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) row[j] = g.accumulate ? c[i * n + j] : g.bias ? g.bias[j] : 0;
    for (let p = 0; p < k; p++) {
      const x = a[i * aRow + p * aCol];
      for (let j = 0; j < n; j++) row[j] += x * b[p * bRow + j * bCol];
    }
    for (let j = 0; j < n; j++) c[i * n + j] = g.relu ? Math.max(0, row[j]) : row[j];
  }
}

export function referenceGather(g: GatherArgs): void {
  checkGather('reference', g);
  const { src, cols, indices, out } = g;
  for (let e = 0; e < indices.length; e++) {
    const from = indices[e] * cols;
    for (let j = 0; j < cols; j++)
      out[e * cols + j] = g.accumulate ? out[e * cols + j] + src[from + j] : src[from + j];
  }
}

export function referenceScatter(s: ScatterArgs): void {
  checkScatter('reference', s);
  const { src, cols, indices, out } = s;
  if (!s.accumulate) out.fill(0, 0, s.outRows * cols);
  for (let e = 0; e < indices.length; e++) {
    const to = indices[e] * cols;
    for (let j = 0; j < cols; j++) out[to + j] += src[e * cols + j];
  }
}
