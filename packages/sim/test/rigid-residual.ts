import { extractRotation } from '@gsdyn/geometry';

/** Mean distance of the particles of `x` from the best rigid motion (Kabsch) of `rest` onto them. */
export function rigidResidual(rest: Float32Array, x: Float32Array): number {
  const n = rest.length / 3;
  const c0 = [0, 0, 0];
  const c1 = [0, 0, 0];
  for (let p = 0; p < n; p++) {
    for (let a = 0; a < 3; a++) {
      c0[a] += rest[3 * p + a] / n;
      c1[a] += x[3 * p + a] / n;
    }
  }
  const A = new Float64Array(9);
  for (let p = 0; p < n; p++) {
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) A[3 * a + b] += (x[3 * p + a] - c1[a]) * (rest[3 * p + b] - c0[b]);
    }
  }
  const R = new Float64Array(9);
  extractRotation(A, new Float64Array([1, 0, 0, 0]), R, 100);
  let sum = 0;
  for (let p = 0; p < n; p++) {
    const q = [0, 1, 2].map((a) => rest[3 * p + a] - c0[a]);
    let d2 = 0;
    for (let a = 0; a < 3; a++) {
      const goal = c1[a] + R[3 * a] * q[0] + R[3 * a + 1] * q[1] + R[3 * a + 2] * q[2];
      d2 += (x[3 * p + a] - goal) ** 2;
    }
    sum += Math.sqrt(d2);
  }
  return sum / n;
}
