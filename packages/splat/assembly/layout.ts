// Byte offsets of the control block that the TypeScript side fills before each kernel call.
// Mirrored in src/wasm/layout.ts (CTL): keep the two in the same order; test/wasm-tiles.test.ts checks
// `controlLayoutVersion()` against the TypeScript constant.

export const CONTROL_LAYOUT_VERSION: i32 = 3;

/** Next index into the tile order (atomic, dynamic scheduling). */
export const TILE_COUNTER: usize = 0;
export const TILE_COUNT: usize = 4;
export const WIDTH: usize = 8;
export const HEIGHT: usize = 12;
export const CHANNELS: usize = 16;
export const TILES_X: usize = 20;
export const GAUSSIAN_COUNT: usize = 24;
export const ENTRY_COUNT: usize = 28;
export const MEAN_X: usize = 32;
export const MEAN_Y: usize = 36;
export const CONIC_A: usize = 40;
export const CONIC_B: usize = 44;
export const CONIC_C: usize = 48;
export const OPACITY: usize = 52;
export const DEPTH: usize = 56;
export const FEATURES: usize = 60;
export const RANGES: usize = 64;
export const ORDER: usize = 68;
/** Tile indices in the order threads take them (most work first). */
export const TILE_ORDER: usize = 72;
export const SCRATCH: usize = 76;
export const SCRATCH_STRIDE: usize = 80;
export const BACKGROUND: usize = 84;
/** Forward: output image. Backward: dL/d(image). Planar, channels * W * H. */
export const IMAGE: usize = 88;
/** Forward: output alpha. Backward: dL/d(alpha), or 0 when absent. */
export const ALPHA: usize = 92;
export const EXPECTED_DEPTH: usize = 96;
export const MEDIAN_DEPTH: usize = 100;
export const FINAL_T: usize = 104;
export const CONTRIBUTORS: usize = 108;
/** Backward: per tile-list entry gradients, (6 + channels) floats per entry, in CSR order. */
export const ENTRY_GRADIENTS: usize = 112;
/** Backward: per-Gaussian gradients, planar: dMeanX, dMeanY, dConicA, dConicB, dConicC, dOpacity (N each), dFeatures (N * channels). */
export const GRADIENTS: usize = 116;
export const THREAD_COUNT: usize = 120;
