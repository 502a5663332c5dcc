import { ssimKernels } from '../wasm/ssim-module.js';
import { checkImages, type PlanarImage } from './image.js';
import type { SsimOptions, SsimResult } from './ssim.js';

/** Bytes of a float32 buffer of `count` values plus 16 readable bytes past its end (the kernel's last vector). */
function floatBytes(count: number): number {
  return (count * 4 + 16 + 15) & ~15;
}

/**
 * `ssimCoreReference` computed by the WebAssembly SIMD kernel (assembly/ssim.ts) in float32, as PyTorch does: the
 * same value, gradient and map up to float32 rounding (see test/ssim-wasm.test.ts for the bounds). The images are
 * converted to float32 on the way in; the weighted sum of the map and the normalisation are float64. Runs
 * synchronously on the calling thread in the kernel's own memory; throws when build/ssim.wasm is unavailable
 * (`ssimWasmAvailable`).
 */
export function ssimCoreWasm(
  pred: PlanarImage,
  target: PlanarImage,
  channels: number,
  width: number,
  height: number,
  options: SsimOptions,
): SsimResult {
  checkImages('ssim', pred, target, channels, width, height);
  const plane = width * height;
  const n = channels * plane;
  const weights = options.weights;
  if (weights && weights.length !== plane)
    throw new RangeError(`ssim: weights has ${weights.length} values, expected width*height = ${plane}`);
  let norm = n;
  if (weights) {
    let total = 0;
    for (let p = 0; p < plane; p++) total += weights[p];
    norm = channels * total;
  }
  const grad = options.gradient ? new Float32Array(n) : undefined;
  const map = options.map ? new Float64Array(n) : undefined;
  if (norm === 0) return { value: 0, grad, map };
  const inv = 1 / norm;

  const kernels = ssimKernels();
  const predAt = kernels.base;
  const targetAt = predAt + floatBytes(n);
  let end = targetAt + floatBytes(n);
  const weightsAt = weights ? end : 0;
  if (weights) end += floatBytes(plane);
  const gradAt = grad ? end : 0;
  if (grad) end += floatBytes(n);
  const mapAt = map ? end : 0;
  if (map) end += floatBytes(n);
  const scratchAt = end;
  const buffer = kernels.reserve(scratchAt + kernels.exports.scratchBytes(width, height));

  new Float32Array(buffer, predAt, n).set(pred);
  new Float32Array(buffer, targetAt, n).set(target);
  if (weights) new Float32Array(buffer, weightsAt, plane).set(weights);
  const sum = kernels.exports.ssim(
    predAt,
    targetAt,
    weightsAt,
    gradAt,
    mapAt,
    scratchAt,
    channels,
    width,
    height,
    inv,
  );
  if (grad) grad.set(new Float32Array(buffer, gradAt, n));
  if (map) map.set(new Float32Array(buffer, mapAt, n));
  return { value: sum * inv, grad, map };
}
