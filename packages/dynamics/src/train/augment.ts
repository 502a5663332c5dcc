import type { Random } from '@gsdyn/geometry';
import type { TrainingSample } from '../dataset/training-sample.js';

/**
 * The reference's training augmentation (reference-implementation.md 4.4), in place: a rotation about the world z
 * axis, uniform in +-pi, of every state, tool position and target (the features have no absolute x or y, so this
 * teaches the model that pushes work the same in every direction), then uniform noise of +-`noise` metres on the
 * history object states only, so that the model learns to pull perturbed inputs back to clean targets.
 */
export function augmentSample(sample: TrainingSample, noise: number, rng: Random): void {
  const angle = (rng.next() * 2 - 1) * Math.PI;
  for (const array of [sample.history, sample.future, sample.tool]) rotateAboutZ(array, angle);
  if (noise > 0)
    for (let i = 0; i < sample.history.length; i++) sample.history[i] += (rng.next() * 2 - 1) * noise;
}

/** Rotates every xyz triple of `points` about the world z axis (through the origin), in place. */
export function rotateAboutZ(points: Float32Array, angle: number): void {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i];
    const y = points[i + 1];
    points[i] = c * x - s * y;
    points[i + 1] = s * x + c * y;
  }
}
