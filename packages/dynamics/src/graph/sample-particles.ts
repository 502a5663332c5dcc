import type { Random } from '@gsdyn/geometry';
import type { ObjectConfig } from '../object-config.js';
import { farthestPointSampling, radiusFarthestPointSampling } from './farthest-point-sampling.js';

/**
 * The graph's object vertices for one sample, as the reference picks them (reference-implementation.md 4.1, and
 * `DynDataset.__getitem__`): farthest point sampling to min(maxParticles, n) from a random start, then radius
 * farthest point sampling at vertexRadius, from a random start, over those. Returns indices into `points`
 * (3 values per point, usually the current frame of a tracked point set), at most maxParticles of them.
 */
export function sampleControlParticles(
  points: ArrayLike<number>,
  config: Pick<ObjectConfig, 'maxParticles' | 'vertexRadius'>,
  rng: Random,
): Uint32Array {
  const n = points.length / 3;
  if (!Number.isInteger(n) || n === 0)
    throw new RangeError(
      `sampleControlParticles: points must hold 3 values per point and at least one point`,
    );
  const first = farthestPointSampling(points, Math.min(config.maxParticles, n), rng.int(n));
  const subset = new Float64Array(3 * first.length);
  for (let i = 0; i < first.length; i++)
    for (let k = 0; k < 3; k++) subset[3 * i + k] = points[3 * first[i] + k];
  const second = radiusFarthestPointSampling(subset, config.vertexRadius, rng.int(first.length));
  return second.map((i) => first[i]);
}
