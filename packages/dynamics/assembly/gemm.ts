// Single-precision GEMM, C = op(A) op(B) with op = identity or transpose, in the style of Goto's blocked
// algorithm: the output is cut into MC x NC blocks (one task each, taken from an atomic counter), the reduction
// into KC chunks; for each chunk the task packs its slice of op(A) into groups of 4 rows and of op(B) into panels
// of 8 columns (zero-padded, so ragged edges need no special kernel), then a 4 x 8 register-blocked SIMD kernel
// computes every tile. Each output element is summed by one task in a fixed order (chunks in order, k in order
// within a chunk), so results do not depend on the thread count. Small outputs over long reductions (the weight
// gradients X^T dY) are also split along the reduction into a fixed number of slices that depends on the shape
// only; their partial products are summed in slice order by COMMAND_GEMM_REDUCE.

import * as L from './layout';

/** Output rows per task (a multiple of 4). */
const MC: i32 = 64;
/** Output columns per task (a multiple of 8). */
const NC: i32 = 128;
/** Reduction chunk: a packed B panel (KC x 8 floats) stays in L1, the packed A block (MC x KC) in L2. */
const KC: i32 = 512;

// Per-thread scratch: a small header (the tag of the packed B block), one 4 x 8 tile, packed A, packed B.
const TAG: usize = 0;
const TILE: usize = 64;
const PACK_A: usize = 256;
const PACK_B: usize = PACK_A + <usize>(MC * KC * 4);
const SCRATCH_BYTES: usize = PACK_B + <usize>(KC * NC * 4);

/** Rows of C per GEMM_REDUCE task. */
const REDUCE_ROWS: i32 = 64;

export function gemmScratchBytes(): usize {
  return SCRATCH_BYTES;
}

/** Tasks of one COMMAND_GEMM: splits x row blocks x column blocks. */
export function gemmTasks(m: i32, n: i32, splits: i32): i32 {
  return splits * ((m + MC - 1) / MC) * ((n + NC - 1) / NC);
}

export function gemmReduceTasks(m: i32): i32 {
  return (m + REDUCE_ROWS - 1) / REDUCE_ROWS;
}

export function gemmTask(ctl: usize, task: i32, scratch: usize): void {
  const m = load<i32>(ctl + L.M);
  const n = load<i32>(ctl + L.N);
  const k = load<i32>(ctl + L.K);
  const splits = load<i32>(ctl + L.SPLITS);
  const blocksM = (m + MC - 1) / MC;
  const blocksN = (n + NC - 1) / NC;
  const perSplit = blocksM * blocksN;
  const split = task / perSplit;
  const rest = task - split * perSplit;
  // Column-block major, so that consecutive tasks of a thread can reuse its packed B block.
  const jb = rest / blocksM;
  const ib = rest - jb * blocksM;
  const i0 = ib * MC;
  const j0 = jb * NC;
  const mc = min(MC, m - i0);
  const nc = min(NC, n - j0);
  const splitK = load<i32>(ctl + L.SPLIT_K);
  const kBegin = split * splitK;
  const kEnd = min(k, kBegin + splitK);

  let c = load<usize>(ctl + L.C);
  let mode = load<i32>(ctl + L.MODE);
  let relu = load<i32>(ctl + L.RELU) !== 0;
  const bias = load<usize>(ctl + L.BIAS);
  if (splits > 1) {
    c = load<usize>(ctl + L.PARTIALS) + <usize>split * <usize>m * <usize>n * 4;
    mode = L.MODE_OVERWRITE;
    relu = false;
  }
  const a = load<usize>(ctl + L.A);
  const b = load<usize>(ctl + L.B);
  const transA = load<i32>(ctl + L.TRANS_A) !== 0;
  const transB = load<i32>(ctl + L.TRANS_B) !== 0;
  const serial = load<i32>(ctl + L.SERIAL);
  const ldcBytes = (<usize>n) << 2;
  const tile = scratch + TILE;
  const packA = scratch + PACK_A;
  const packB = scratch + PACK_B;

  for (let k0 = kBegin; k0 < kEnd; k0 += KC) {
    const kc = min(KC, kEnd - k0);
    if (transA) packATransposed(a, m, k0, kc, i0, mc, packA);
    else packANormal(a, k, k0, kc, i0, mc, packA);
    // The same B block is packed again only when the previous task of this thread used another one.
    if (
      load<i32>(scratch + TAG) !== serial ||
      load<i32>(scratch + TAG, 4) !== split ||
      load<i32>(scratch + TAG, 8) !== jb ||
      load<i32>(scratch + TAG, 12) !== k0
    ) {
      if (transB) packBTransposed(b, k, k0, kc, j0, nc, packB);
      else packBNormal(b, n, k0, kc, j0, nc, packB);
      store<i32>(scratch + TAG, serial);
      store<i32>(scratch + TAG, split, 4);
      store<i32>(scratch + TAG, jb, 8);
      store<i32>(scratch + TAG, k0, 12);
    }
    const chunkMode = k0 === kBegin ? mode : L.MODE_ACCUMULATE;
    const chunkRelu = relu && k0 + kc >= kEnd;
    const panelBytes = (<usize>kc) << 5;
    const groupBytes = (<usize>kc) << 4;
    for (let p = 0; p < nc; p += 8) {
      const panel = packB + <usize>(p >> 3) * panelBytes;
      const cols = min(8, nc - p);
      const j = j0 + p;
      for (let r = 0; r < mc; r += 4) {
        kernel4x8(kc, packA + <usize>(r >> 2) * groupBytes, panel, tile);
        const i = i0 + r;
        storeTile(
          tile,
          c + (<usize>i * <usize>n + <usize>j) * 4,
          ldcBytes,
          min(4, mc - r),
          cols,
          chunkMode,
          bias + ((<usize>j) << 2),
          chunkRelu,
        );
      }
    }
  }
}

/**
 * The register-blocked inner kernel: a 4 x 8 tile of op(A) op(B) over `kc` steps, 8 accumulators, from a packed
 * group of A (4 floats per step) and a packed panel of B (8 floats per step), written to `tile` (4 rows of 8).
 */
function kernel4x8(kc: i32, a: usize, b: usize, tile: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let s = 0; s < kc; s++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
    a += 16;
    b += 32;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
}

/** Writes the valid `rows` x `cols` corner of a tile into C: overwrite, add to C, or add to the bias row. */
function storeTile(
  tile: usize,
  c: usize,
  ldcBytes: usize,
  rows: i32,
  cols: i32,
  mode: i32,
  bias: usize,
  relu: bool,
): void {
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const src = tile + ((<usize>r) << 5);
    const dst = c + <usize>r * ldcBytes;
    if (cols === 8) {
      let v0 = v128.load(src);
      let v1 = v128.load(src, 16);
      if (mode === L.MODE_ACCUMULATE) {
        v0 = f32x4.add(v128.load(dst), v0);
        v1 = f32x4.add(v128.load(dst, 16), v1);
      } else if (mode === L.MODE_BIAS) {
        v0 = f32x4.add(v128.load(bias), v0);
        v1 = f32x4.add(v128.load(bias, 16), v1);
      }
      if (relu) {
        v0 = f32x4.max(v0, zero);
        v1 = f32x4.max(v1, zero);
      }
      v128.store(dst, v0);
      v128.store(dst, v1, 16);
    } else {
      for (let j = 0; j < cols; j++) {
        const at = (<usize>j) << 2;
        let v = load<f32>(src + at);
        if (mode === L.MODE_ACCUMULATE) v = load<f32>(dst + at) + v;
        else if (mode === L.MODE_BIAS) v = load<f32>(bias + at) + v;
        if (relu) v = max(v, 0);
        store<f32>(dst + at, v);
      }
    }
  }
}

/** op(A) = A, stored M x K: rows i0.. of columns k0.., in groups of 4 rows, one 4-float vector per step. */
function packANormal(a: usize, k: i32, k0: i32, kc: i32, i0: i32, mc: i32, out: usize): void {
  const rowBytes = (<usize>k) << 2;
  for (let r = 0; r < mc; r += 4) {
    const rows = min(4, mc - r);
    const base = a + <usize>(i0 + r) * rowBytes + ((<usize>k0) << 2);
    let dst = out + <usize>(r >> 2) * ((<usize>kc) << 4);
    if (rows === 4) {
      const r1 = base + rowBytes;
      const r2 = r1 + rowBytes;
      const r3 = r2 + rowBytes;
      let s = 0;
      // Four steps at a time: a 4 x 4 transpose of one vector from each row.
      for (; s + 4 <= kc; s += 4) {
        const at = (<usize>s) << 2;
        const x0 = v128.load(base + at);
        const x1 = v128.load(r1 + at);
        const x2 = v128.load(r2 + at);
        const x3 = v128.load(r3 + at);
        const t0 = f32x4.shuffle(x0, x1, 0, 4, 1, 5);
        const t1 = f32x4.shuffle(x2, x3, 0, 4, 1, 5);
        const t2 = f32x4.shuffle(x0, x1, 2, 6, 3, 7);
        const t3 = f32x4.shuffle(x2, x3, 2, 6, 3, 7);
        v128.store(dst, f32x4.shuffle(t0, t1, 0, 1, 4, 5));
        v128.store(dst, f32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
        v128.store(dst, f32x4.shuffle(t2, t3, 0, 1, 4, 5), 32);
        v128.store(dst, f32x4.shuffle(t2, t3, 2, 3, 6, 7), 48);
        dst += 64;
      }
      for (; s < kc; s++) {
        const at = (<usize>s) << 2;
        store<f32>(dst, load<f32>(base + at));
        store<f32>(dst, load<f32>(r1 + at), 4);
        store<f32>(dst, load<f32>(r2 + at), 8);
        store<f32>(dst, load<f32>(r3 + at), 12);
        dst += 16;
      }
    } else {
      for (let s = 0; s < kc; s++) {
        for (let q = 0; q < 4; q++) {
          const v = q < rows ? load<f32>(base + <usize>q * rowBytes + ((<usize>s) << 2)) : <f32>0;
          store<f32>(dst + ((<usize>q) << 2), v);
        }
        dst += 16;
      }
    }
  }
}

/** op(A) = A^T with A stored K x M: op(A)[i][s] = A[s][i], so each step's 4 values are contiguous. */
function packATransposed(a: usize, m: i32, k0: i32, kc: i32, i0: i32, mc: i32, out: usize): void {
  const rowBytes = (<usize>m) << 2;
  for (let r = 0; r < mc; r += 4) {
    const rows = min(4, mc - r);
    let src = a + <usize>k0 * rowBytes + ((<usize>(i0 + r)) << 2);
    let dst = out + <usize>(r >> 2) * ((<usize>kc) << 4);
    for (let s = 0; s < kc; s++) {
      if (rows === 4) v128.store(dst, v128.load(src));
      else
        for (let q = 0; q < 4; q++)
          store<f32>(dst + ((<usize>q) << 2), q < rows ? load<f32>(src + ((<usize>q) << 2)) : <f32>0);
      src += rowBytes;
      dst += 16;
    }
  }
}

/** op(B) = B, stored K x N: rows k0.. of columns j0.., in panels of 8 columns, one 8-float row per step. */
function packBNormal(b: usize, n: i32, k0: i32, kc: i32, j0: i32, nc: i32, out: usize): void {
  const rowBytes = (<usize>n) << 2;
  for (let p = 0; p < nc; p += 8) {
    const cols = min(8, nc - p);
    let src = b + <usize>k0 * rowBytes + ((<usize>(j0 + p)) << 2);
    let dst = out + <usize>(p >> 3) * ((<usize>kc) << 5);
    for (let s = 0; s < kc; s++) {
      if (cols === 8) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      } else {
        for (let q = 0; q < 8; q++)
          store<f32>(dst + ((<usize>q) << 2), q < cols ? load<f32>(src + ((<usize>q) << 2)) : <f32>0);
      }
      src += rowBytes;
      dst += 32;
    }
  }
}

/** op(B) = B^T with B stored N x K: op(B)[s][j] = B[j][s], gathered from 8 rows of B per panel. */
function packBTransposed(b: usize, k: i32, k0: i32, kc: i32, j0: i32, nc: i32, out: usize): void {
  const rowBytes = (<usize>k) << 2;
  for (let p = 0; p < nc; p += 8) {
    const cols = min(8, nc - p);
    const base = b + <usize>(j0 + p) * rowBytes + ((<usize>k0) << 2);
    const dst = out + <usize>(p >> 3) * ((<usize>kc) << 5);
    for (let q = 0; q < 8; q++) {
      const row = base + <usize>q * rowBytes;
      let at = dst + ((<usize>q) << 2);
      if (q < cols) {
        for (let s = 0; s < kc; s++) {
          store<f32>(at, load<f32>(row + ((<usize>s) << 2)));
          at += 32;
        }
      } else {
        for (let s = 0; s < kc; s++) {
          store<f32>(at, 0);
          at += 32;
        }
      }
    }
  }
}

/** C = (C | bias | 0) + sum of the split partial products in slice order, then the optional ReLU. */
export function gemmReduceTask(ctl: usize, task: i32): void {
  const m = load<i32>(ctl + L.M);
  const n = load<i32>(ctl + L.N);
  const splits = load<i32>(ctl + L.SPLITS);
  const c = load<usize>(ctl + L.C);
  const partials = load<usize>(ctl + L.PARTIALS);
  const mode = load<i32>(ctl + L.MODE);
  const bias = load<usize>(ctl + L.BIAS);
  const relu = load<i32>(ctl + L.RELU) !== 0;
  const sliceBytes = <usize>m * <usize>n * 4;
  const zero = f32x4.splat(0);
  const r0 = task * REDUCE_ROWS;
  const r1 = min(m, r0 + REDUCE_ROWS);
  for (let r = r0; r < r1; r++) {
    const row = <usize>r * <usize>n * 4;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const at = row + ((<usize>j) << 2);
      let v = zero;
      if (mode === L.MODE_ACCUMULATE) v = v128.load(c + at);
      else if (mode === L.MODE_BIAS) v = v128.load(bias + ((<usize>j) << 2));
      for (let s = 0; s < splits; s++) v = f32x4.add(v, v128.load(partials + <usize>s * sliceBytes + at));
      if (relu) v = f32x4.max(v, zero);
      v128.store(c + at, v);
    }
    for (; j < n; j++) {
      const at = row + ((<usize>j) << 2);
      let v: f32 = 0;
      if (mode === L.MODE_ACCUMULATE) v = load<f32>(c + at);
      else if (mode === L.MODE_BIAS) v = load<f32>(bias + ((<usize>j) << 2));
      for (let s = 0; s < splits; s++) v += load<f32>(partials + <usize>s * sliceBytes + at);
      if (relu) v = max(v, 0);
      store<f32>(c + at, v);
    }
  }
}
