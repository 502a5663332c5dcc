// Time to generate one 4-view, 320x240, 60-frame episode of each object (target: under 20 s each on 2 cores).
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEpisode } from '../src/episode.js';
import type { ObjectKind } from '../src/simulate.js';

const dir = await mkdtemp(join(tmpdir(), 'gsdyn-bench-sim-'));
console.log(
  `sim episode generation: 4 views, 320x240, 60 frames, supersample 3; ${availableParallelism()} cores`,
);
console.log('object   physics_s  render+write_s  total_s  particles  pushes  visible%');
try {
  for (const kind of ['rope', 'cloth', 'plush'] as ObjectKind[]) {
    const s = await generateEpisode(join(dir, kind), {
      kind,
      frames: 60,
      width: 320,
      height: 240,
      views: 4,
      seed: 1,
    });
    console.log(
      `${kind.padEnd(8)} ${s.seconds.physics.toFixed(2).padStart(9)} ${s.seconds.render.toFixed(2).padStart(15)} ${s.seconds.total
        .toFixed(2)
        .padStart(
          8,
        )} ${String(s.particles).padStart(10)} ${String(s.pushes).padStart(7)} ${(100 * s.meanVisibility).toFixed(1).padStart(9)}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
