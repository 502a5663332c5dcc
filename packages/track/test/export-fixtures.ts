// Small tracks for the export tests: a seeded cloud whose frame t is frame 0 shifted by t * SHIFT and turned
// about z by t * TURN, so every frame differs from the others in a known way.
import { Random } from '@gsdyn/geometry';
import { cloudFromPointCloud, type GaussianCloud } from '@gsdyn/splat';
import type { TrackArrays } from '../src/export/track-arrays.js';

export const SHIFT: [number, number, number] = [0.02, -0.01, 0.005];
export const TURN = 0.3;

export function randomPoints(count: number, seed: number, centre = [0, 0, 0.05], half = 0.08): Float32Array {
  const rng = new Random(seed);
  const p = new Float32Array(3 * count);
  for (let i = 0; i < count; i++)
    for (let k = 0; k < 3; k++) p[3 * i + k] = centre[k] + rng.uniform(-half, half);
  return p;
}

/** Moves `cloud` through `frames` frames (rigidly, see above) and returns the tracks. */
export function movingTracks(cloud: GaussianCloud, frames: number): TrackArrays {
  const n = cloud.count;
  const means = new Float32Array(frames * n * 3);
  const rotations = new Float32Array(frames * n * 4);
  for (let t = 0; t < frames; t++) {
    const half = (t * TURN) / 2;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) means[(t * n + i) * 3 + k] = cloud.means[3 * i + k] + t * SHIFT[k];
      rotations.set([Math.cos(half), 0, 0, Math.sin(half)], (t * n + i) * 4);
    }
  }
  const frame0 = { ...cloud, means: means.slice(0, 3 * n), quaternions: rotations.slice(0, 4 * n) };
  return { means, rotations, cloud: frame0, frames };
}

/** A cloud of `count` Gaussians with seeded colours, scales, opacities and `extraChannels` extras. */
export function testCloud(count: number, seed: number, extraChannels = 0): GaussianCloud {
  const rng = new Random(seed);
  const colors = new Float32Array(3 * count);
  for (let i = 0; i < colors.length; i++) colors[i] = rng.uniform(0.1, 0.9);
  const extras = new Float32Array(extraChannels * count);
  for (let i = 0; i < extras.length; i++) extras[i] = rng.uniform(0, 1);
  const cloud = cloudFromPointCloud(randomPoints(count, seed + 1), colors, { extras, extraChannels });
  for (let i = 0; i < count; i++) cloud.logitOpacities[i] = rng.uniform(-2, 3);
  return cloud;
}
