// A seeded random cloud for render tests: n Gaussians in a 6 cm box at the origin, random rotations, colours and
// extra channels (like the tracker's segmentation).
import { Random } from '@gsdyn/geometry';
import { createCloud } from '../src/cloud.js';
import type { GaussianCloud } from '../src/types.js';

export interface BoxCloudOptions {
  extraChannels?: number;
  /** Scales drawn uniformly from this range (metres). Default [0.004, 0.012]. */
  scale?: [number, number];
  /** Opacity logits drawn uniformly from this range. Default [-1, 1.5]. */
  logitOpacity?: [number, number];
}

export function boxCloud(n: number, seed: number, options: BoxCloudOptions = {}): GaussianCloud {
  const { extraChannels = 1, scale = [0.004, 0.012], logitOpacity = [-1, 1.5] } = options;
  const rng = new Random(seed);
  const c = createCloud(n, extraChannels);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      c.means[3 * i + k] = rng.uniform(-0.03, 0.03);
      c.logScales[3 * i + k] = Math.log(rng.uniform(scale[0], scale[1]));
      c.colors[3 * i + k] = rng.next();
    }
    c.quaternions.set([rng.normal(), rng.normal(), rng.normal(), rng.normal()], 4 * i);
    c.logitOpacities[i] = rng.uniform(logitOpacity[0], logitOpacity[1]);
    for (let k = 0; k < extraChannels; k++) c.extras[i * extraChannels + k] = rng.next();
  }
  return c;
}
