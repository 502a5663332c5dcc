import { Random } from '@gsdyn/geometry';
import {
  evaluateSurfacePoints,
  type ObjectKind,
  sampleExteriorSurfacePoints,
  simulateObject,
} from '@gsdyn/sim';
import { type DatasetEpisodeSource, MAX_DATASET_PARTICLES } from './episode-source.js';

export interface SimDatasetEpisodeOptions {
  name: string;
  frames: number;
  seed: number;
  /** Surface points tracked (1000). */
  surfacePoints?: number;
  fps?: number;
  onProgress?: (frame: number, frames: number) => void;
}

/**
 * A synthetic dataset episode from the physics alone (no rendering): `simulateObject`, then surface points fixed
 * on the object's mesh and followed through every frame. The points are drawn exactly as `generateEpisode` draws
 * its truth/surface_points.npy (same seed stream), so for the same kind, frames, seed and point count the particles
 * equal that episode's ground truth and the end effector its manifest's.
 */
export function simulateDatasetEpisode(
  kind: ObjectKind,
  options: SimDatasetEpisodeOptions,
): DatasetEpisodeSource {
  const K = options.surfacePoints ?? MAX_DATASET_PARTICLES;
  if (!Number.isInteger(K) || K < 1 || K > MAX_DATASET_PARTICLES)
    throw new RangeError(
      `simulateDatasetEpisode: surfacePoints must be an integer in [1, ${MAX_DATASET_PARTICLES}], got ${K}`,
    );
  const fps = options.fps ?? 15;
  const sim = simulateObject(kind, { frames: options.frames, fps, seed: options.seed }, options.onProgress);
  // generateEpisode's streams: the first fork of Random(seed ^ 0x5eed5) draws the surface points.
  const surfaceRng = new Random(options.seed ^ 0x5eed5).fork();
  const { triangles, vertices } = sim.surface;
  const binding = sampleExteriorSurfacePoints(triangles, vertices[0], K, surfaceRng);
  const T = options.frames;
  const particles = new Float32Array(T * K * 3);
  const endEffector = new Float32Array(T * 3);
  for (let t = 0; t < T; t++) {
    evaluateSurfacePoints(binding, triangles, vertices[t], particles.subarray(t * K * 3, (t + 1) * K * 3));
    endEffector.set(sim.endEffector[t], 3 * t);
  }
  return {
    name: options.name,
    frames: T,
    particleCount: K,
    particles,
    endEffector,
    origin: {
      source: 'sim',
      kind,
      seed: options.seed,
      framesPerSecond: fps,
      surfacePoints: K,
      pushes: sim.pushes.length,
    },
  };
}
