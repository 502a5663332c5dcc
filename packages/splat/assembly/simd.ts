// Small SIMD helpers shared by the blending kernels.

/**
 * exp(x) on four lanes: Cephes expf (range reduction by ln 2 split in two constants, degree-6 polynomial),
 * about 1 ulp (1.2e-7 relative) over [-87, 88]. The kernels only call it for power in about [-6, 0].
 * Written for latency (it sits on the critical path of every blended Gaussian): rounding by adding 1.5 * 2^23,
 * whose low mantissa bits then hold the integer exponent, and the polynomial by Estrin's scheme.
 */
export function expv(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const magic = f32x4.splat(12582912.0);
  const kk = f32x4.add(f32x4.mul(x, f32x4.splat(<f32>Math.LOG2E)), magic);
  const k = f32x4.sub(kk, magic);
  let r = f32x4.sub(x, f32x4.mul(k, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(-2.1219444e-4)));
  const r2 = f32x4.mul(r, r);
  const a = f32x4.add(f32x4.splat(5.0000001201e-1), f32x4.mul(f32x4.splat(1.6666665459e-1), r));
  const b = f32x4.add(f32x4.splat(4.1665795894e-2), f32x4.mul(f32x4.splat(8.3334519073e-3), r));
  const c = f32x4.add(f32x4.splat(1.3981999507e-3), f32x4.mul(f32x4.splat(1.98756915e-4), r));
  const q = f32x4.add(f32x4.add(a, f32x4.mul(r2, b)), f32x4.mul(f32x4.mul(r2, r2), c));
  const p = f32x4.add(f32x4.add(f32x4.splat(1.0), r), f32x4.mul(q, r2));
  // kk's bits are 0x4B400000 + k; 2^k = (k + 127) << 23, and the shift drops the magic's high bits.
  const scale = i32x4.shl(i32x4.add(kk, i32x4.splat(127 - 0x4b400000)), 23);
  return f32x4.mul(p, scale);
}

/** Largest of four i32 lanes. */
export function maxLane(v: v128): i32 {
  const m = i32x4.max_s(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return i32x4.extract_lane(i32x4.max_s(m, i32x4.shuffle(m, m, 1, 0, 3, 2)), 0);
}

/** Sum of four f32 lanes, always in the order (l0 + l2) + (l1 + l3). */
export function sumLanes(v: v128): f32 {
  const s = f32x4.add(v, f32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** Stores the first `n` (1 to 4) 32-bit lanes of `v` at `ptr` (image tails narrower than a vector). */
export function storeLanes(ptr: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(ptr, v);
    return;
  }
  store<i32>(ptr, i32x4.extract_lane(v, 0));
  if (n > 1) store<i32>(ptr, i32x4.extract_lane(v, 1), 4);
  if (n > 2) store<i32>(ptr, i32x4.extract_lane(v, 2), 8);
}
