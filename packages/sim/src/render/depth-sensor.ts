import type { Random } from '@gsdyn/geometry';

export interface DepthNoiseOptions {
  /** Add noise and dropout (default true). When false, the output is exactly round(z * 1000). */
  enabled?: boolean;
  /** Standard deviation at 1 m, metres (default 0.002); it grows with z squared. */
  sigmaAt1m?: number;
  /** Fraction of valid pixels that read 0 (holes), 0..1 (default 0). */
  dropout?: number;
}

/** Largest depth a uint16 millimetre image can hold. */
const MAX_MM = 65535;

/**
 * Converts rendered depth (metres, 0 = nothing) to a sensor-like uint16 millimetre image. Structured-light and
 * stereo sensors measure disparity, so their depth error grows with the square of the depth:
 * sigma(z) = sigmaAt1m * z^2. Zeros stay zeros; readings beyond the uint16 range become 0 (no reading) rather
 * than wrapping. Draws one normal per valid pixel (plus one uniform when dropout > 0), in pixel order.
 */
export function depthToMillimetres(
  depthMetres: Float32Array,
  options: DepthNoiseOptions,
  rng: Random,
): Uint16Array {
  const enabled = options.enabled ?? true;
  const sigma1 = options.sigmaAt1m ?? 0.002;
  const dropout = options.dropout ?? 0;
  if (!(sigma1 >= 0 && Number.isFinite(sigma1)))
    throw new RangeError(
      `depthToMillimetres: options.sigmaAt1m must be a finite distance >= 0 m, got ${sigma1}`,
    );
  if (!(dropout >= 0 && dropout <= 1))
    throw new RangeError(`depthToMillimetres: options.dropout must be a fraction in [0, 1], got ${dropout}`);
  const out = new Uint16Array(depthMetres.length);
  for (let k = 0; k < depthMetres.length; k++) {
    const z = depthMetres[k];
    if (!(z > 0) || !Number.isFinite(z)) continue;
    let mm: number;
    if (!enabled) {
      mm = Math.round(z * 1000);
    } else {
      const noisy = z + sigma1 * z * z * rng.normal();
      if (dropout > 0 && rng.next() < dropout) continue;
      mm = Math.round(noisy * 1000);
    }
    if (mm >= 1 && mm <= MAX_MM) out[k] = mm;
  }
  return out;
}
