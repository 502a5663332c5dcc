// Byte offsets of the control block the TypeScript side fills before each command (one i32/u32 word each).
// Mirrored in src/autodiff/wasm/layout.ts (CTL): keep the two identical; the module's controlLayoutVersion() is
// checked against the TypeScript constant when the module loads.

export const CONTROL_LAYOUT_VERSION: i32 = 1;

/** Next task index (atomic, dynamic scheduling between threads). */
export const COUNTER: usize = 0;
export const TASKS: usize = 4;
// gemm: C (M x N) = op(A) (M x K) . op(B) (K x N), every matrix tight row-major.
export const M: usize = 8;
export const N: usize = 12;
export const K: usize = 16;
export const A: usize = 20;
export const B: usize = 24;
export const C: usize = 28;
export const TRANS_A: usize = 32;
export const TRANS_B: usize = 36;
/** How C is written: MODE_OVERWRITE, MODE_ACCUMULATE (C += ...) or MODE_BIAS (C = bias + ...). */
export const MODE: usize = 40;
export const BIAS: usize = 44;
export const RELU: usize = 48;
/** Slices the reduction is split into; above 1 each writes a partial product that COMMAND_GEMM_REDUCE sums. */
export const SPLITS: usize = 52;
export const SPLIT_K: usize = 56;
export const PARTIALS: usize = 60;
/** Different for every gemm: tags the packed B block a thread keeps between tasks. */
export const SERIAL: usize = 64;
export const SCRATCH: usize = 68;
export const SCRATCH_STRIDE: usize = 72;
// row gather / scatter-add
export const SRC: usize = 76;
export const DST: usize = 80;
export const INDICES: usize = 84;
export const COUNT: usize = 88;
export const COLS: usize = 92;
export const ROWS: usize = 96;
export const OFFSETS: usize = 100;
export const ORDER: usize = 104;
export const ACCUMULATE: usize = 108;

export const MODE_OVERWRITE: i32 = 0;
export const MODE_ACCUMULATE: i32 = 1;
export const MODE_BIAS: i32 = 2;

export const COMMAND_GEMM: i32 = 1;
export const COMMAND_GEMM_REDUCE: i32 = 2;
export const COMMAND_GATHER: i32 = 3;
export const COMMAND_SCATTER: i32 = 4;
