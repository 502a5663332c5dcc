/**
 * The reference rasteriser is written once over "some float array" so that the same code runs in float32 (the
 * contract of the pipeline and of the WebAssembly fast path) and in float64 (finite-difference checks, where the
 * rounding of float32 storage would drown the differences).
 */
export type FloatArray = Float32Array | Float64Array;

/** Makes a zeroed array of the chosen precision. */
export type FloatAllocator<F extends FloatArray> = (length: number) => F;

export const float32: FloatAllocator<Float32Array> = (length) => new Float32Array(length);
export const float64: FloatAllocator<Float64Array> = (length) => new Float64Array(length);
