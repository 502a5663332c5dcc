/**
 * The shared-memory layout of the autodiff kernels. The control block's byte offsets mirror assembly/layout.ts
 * (the kernels read their arguments there); `CONTROL_LAYOUT_VERSION` is checked against the module's
 * `controlLayoutVersion()` when it loads, so a stale build cannot run with a new layout.
 *
 *   [0, CONTROL_BASE)           the module's static data (checked: heapBase() <= CONTROL_BASE)
 *   CONTROL_BASE + 0..127       command arguments (CTL)
 *   SYNC_BASE + 0..31           thread handshake words (SYNC, Int32 indices), used from JavaScript only
 *   SCRATCH_BASE ..             one gemm scratch area per thread (packed operand blocks)
 *   after the scratch ..        the tensor heap (heap.ts), grown on demand up to 4 GiB
 */
export const CONTROL_LAYOUT_VERSION = 1;

export const CONTROL_BASE = 64 * 1024;
export const SYNC_BASE = CONTROL_BASE + 512;
export const SCRATCH_BASE = CONTROL_BASE + 4096;

/** Byte offsets from CONTROL_BASE (one 32-bit word each). */
export const CTL = {
  counter: 0,
  tasks: 4,
  m: 8,
  n: 12,
  k: 16,
  a: 20,
  b: 24,
  c: 28,
  transA: 32,
  transB: 36,
  mode: 40,
  bias: 44,
  relu: 48,
  splits: 52,
  splitK: 56,
  partials: 60,
  serial: 64,
  scratch: 68,
  scratchStride: 72,
  src: 76,
  dst: 80,
  indices: 84,
  count: 88,
  cols: 92,
  rows: 96,
  offsets: 100,
  order: 104,
  accumulate: 108,
} as const;

export const CTL_WORDS = 32;

export const GEMM_MODE = { overwrite: 0, accumulate: 1, bias: 2 } as const;

export const COMMAND = { gemm: 1, gemmReduce: 2, gather: 3, scatter: 4, exit: 5 } as const;

/** Int32 indices of the handshake words at SYNC_BASE (see pool.ts for the protocol). */
export const SYNC = {
  /** Bumped by the main thread to start a command; workers wait on it. */
  generation: 0,
  command: 1,
  /** Workers that finished the current command. */
  done: 2,
  /** Workers that instantiated the module and wait for commands. */
  ready: 3,
  /** Non-zero when a worker failed (its message is on its port). */
  failed: 4,
  words: 8,
} as const;

/** 64 KiB wasm pages: the module declares 32 initially and at most 65536 (4 GiB). */
export const PAGE_BYTES = 65536;
export const INITIAL_PAGES = 32;
export const MAXIMUM_PAGES = 65536;
