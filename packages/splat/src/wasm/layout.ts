/**
 * The shared-memory layout of the WebAssembly tile kernels. The control block's byte offsets mirror
 * assembly/layout.ts (the kernels read their arguments there); `CONTROL_LAYOUT_VERSION` is checked against the
 * module's `controlLayoutVersion()` when it loads, so a stale build cannot be run with a new layout.
 *
 *   [0, CONTROL_BASE)        the module's static data (checked: heapBase() <= CONTROL_BASE)
 *   CONTROL_BASE + 0..127    kernel arguments (CTL)
 *   SYNC_BASE   + 0..31      thread handshake words (SYNC, Int32 indices), used from JavaScript only
 *   DATA_BASE ..             per-call arrays, bump-allocated and 16-byte aligned, memory grown on demand
 */
export const CONTROL_LAYOUT_VERSION = 3;

export const CONTROL_BASE = 64 * 1024;
export const SYNC_BASE = CONTROL_BASE + 512;
export const DATA_BASE = CONTROL_BASE + 4096;

/** Byte offsets from CONTROL_BASE (u32 / i32 each). */
export const CTL = {
  tileCounter: 0,
  tileCount: 4,
  width: 8,
  height: 12,
  channels: 16,
  tilesX: 20,
  gaussianCount: 24,
  entryCount: 28,
  meanX: 32,
  meanY: 36,
  conicA: 40,
  conicB: 44,
  conicC: 48,
  opacity: 52,
  depth: 56,
  features: 60,
  ranges: 64,
  order: 68,
  tileOrder: 72,
  scratch: 76,
  scratchStride: 80,
  background: 84,
  image: 88,
  alpha: 92,
  expectedDepth: 96,
  medianDepth: 100,
  finalT: 104,
  contributors: 108,
  entryGradients: 112,
  gradients: 116,
  threadCount: 120,
} as const;

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

export const COMMAND = { forward: 1, backward: 2, reduce: 3, exit: 4 } as const;

/** Gradient slots per Gaussian before the features: meanX, meanY, conicA, conicB, conicC, opacity. */
export const GRADIENT_HEAD = 6;

/** 64 KiB wasm pages: the module declares 32 initially and at most 65536 (4 GiB). */
export const PAGE_BYTES = 65536;
export const MAXIMUM_PAGES = 65536;
export const INITIAL_PAGES = 32;
