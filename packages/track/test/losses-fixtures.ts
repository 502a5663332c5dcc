import { type Quat, quatMultiply, quatNormalize, Random } from '@gsdyn/geometry';

/**
 * Shared helpers of the loss tests: random small tracking configurations (float64 so that central differences are
 * exact to ~1e-10) and a finite-difference gradient check.
 */
export interface Configuration {
  n: number;
  means0: Float64Array;
  prevMeans: Float64Array;
  prevQuaternions: Float64Array;
  means: Float64Array;
  quaternions: Float64Array;
}

export function randomUnitQuat(rng: Random): Quat {
  return quatNormalize([rng.normal(), rng.normal(), rng.normal(), rng.normal()]);
}

/** A small rotation: axis random, angle up to `maxAngle` radians. */
export function smallRotation(rng: Random, maxAngle: number): Quat {
  const angle = rng.uniform(-maxAngle, maxAngle);
  const axis = quatNormalize([0, rng.normal(), rng.normal(), rng.normal()]);
  const s = Math.sin(angle / 2);
  return [Math.cos(angle / 2), axis[1] * s, axis[2] * s, axis[3] * s];
}

/**
 * n Gaussians in a blob a few centimetres across (so the exp(-2000 d^2) weights are far from 0), frame 0, a
 * previous frame that moved a little from it, and a current frame that moved a little more, each Gaussian with its
 * own random rotation; current quaternions are unnormalised (random norms in [0.5, 2]).
 */
export function randomConfiguration(seed: number, n: number): Configuration {
  const rng = new Random(seed);
  const means0 = new Float64Array(3 * n);
  for (let i = 0; i < 3 * n; i++) means0[i] = rng.uniform(-0.03, 0.03) + (i % 3 === 2 ? 0.05 : 0);
  const prevMeans = new Float64Array(3 * n);
  const means = new Float64Array(3 * n);
  for (let i = 0; i < 3 * n; i++) {
    prevMeans[i] = means0[i] + rng.uniform(-0.004, 0.004);
    means[i] = prevMeans[i] + rng.uniform(-0.004, 0.004);
  }
  const prevQuaternions = new Float64Array(4 * n);
  const quaternions = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const p = randomUnitQuat(rng);
    const q = quatMultiply(smallRotation(rng, 0.4), p);
    const scale = rng.uniform(0.5, 2);
    for (let c = 0; c < 4; c++) {
      prevQuaternions[4 * i + c] = p[c];
      quaternions[4 * i + c] = q[c] * scale;
    }
  }
  return { n, means0, prevMeans, prevQuaternions, means, quaternions };
}

/**
 * Compares an analytic gradient with float64 central differences of `value` over every entry of `params`
 * (perturbed in place and restored). The analytic gradient is float32, so the tolerance is relative to its largest
 * entry, with `relTol` well above float32 rounding (6e-8) and the O(h^2) truncation.
 */
export function checkGradient(
  label: string,
  params: Float64Array,
  analytic: Float32Array | undefined,
  value: () => number,
  h = 1e-6,
  relTol = 1e-5,
): void {
  if (analytic === undefined) throw new Error(`${label}: no analytic gradient`);
  if (analytic.length !== params.length) {
    throw new Error(`${label}: gradient has ${analytic.length} entries, params ${params.length}`);
  }
  let scale = 0;
  for (const g of analytic) scale = Math.max(scale, Math.abs(g));
  if (!(scale > 0)) throw new Error(`${label}: analytic gradient is identically zero (a vacuous check)`);
  let worst = 0;
  let worstAt = -1;
  for (let p = 0; p < params.length; p++) {
    const x = params[p];
    params[p] = x + h;
    const up = value();
    params[p] = x - h;
    const down = value();
    params[p] = x;
    const fd = (up - down) / (2 * h);
    const err = Math.abs(fd - analytic[p]);
    if (err > worst) {
      worst = err;
      worstAt = p;
    }
  }
  if (worst > relTol * scale) {
    throw new Error(
      `${label}: gradient entry ${worstAt} differs from finite differences by ${worst.toExponential(3)} (max |grad| ${scale.toExponential(3)})`,
    );
  }
}
