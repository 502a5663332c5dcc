import { type PointSet, pointCount, pointDistance } from './point-sets.js';

/**
 * Mean Euclidean distance between corresponding particles (the same index in both sets), metres: the "mean
 * particle error" of a rollout step, which unlike Chamfer and EMD uses the known correspondence.
 */
export function meanParticleError(predicted: PointSet, truth: PointSet): number {
  const n = pointCount(predicted, 'predicted', 'meanParticleError');
  const m = pointCount(truth, 'truth', 'meanParticleError');
  if (n !== m)
    throw new RangeError(
      `meanParticleError: predicted has ${n} particles but truth has ${m}; they must correspond`,
    );
  if (n === 0) throw new RangeError('meanParticleError: the sets are empty');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += pointDistance(predicted, i, truth, i);
  return sum / n;
}
