// Renderer speed on a scene like the sim episodes: table quad, pusher cylinder (32 sides), a textured sphere of
// ~3k triangles, four rig views at 320 x 240. Prints ms per view for each supersampling factor and the time an
// episode of 4 views x 60 frames would take. Run: node --conditions=source --import tsx packages/sim/bench/render.bench.ts
import { availableParallelism, cpus } from 'node:os';
import { renderScene } from '../src/render/rasterizer.js';
import { makeCameraRig } from '../src/rig.js';
import { makeCheckerTexture } from '../src/scene/checker-texture.js';
import { makePusher } from '../src/scene/pusher.js';
import { makeUvSphere } from '../src/scene/sphere.js';
import { makeTable } from '../src/scene/table.js';

const WIDTH = 320;
const HEIGHT = 240;
const cameras = makeCameraRig({ width: WIDTH, height: HEIGHT, views: 4 });
const table = makeTable();
const object = makeUvSphere(
  [0.05, 0, 0.06],
  0.06,
  64,
  24,
  makeCheckerTexture(8, 8, [220, 40, 40], [240, 240, 240]),
);
const objectTriangles = object.triangles.length / 3;

console.log(
  `cores: ${availableParallelism()} (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}`,
);
console.log(
  `scene: table 2 tris, pusher ${makePusher([0, 0, 0], 0.015).triangles.length / 3} tris, object ${objectTriangles} tris; ${cameras.length} views at ${WIDTH}x${HEIGHT}`,
);

for (const supersample of [1, 2, 3]) {
  const frames = 15;
  // Warm-up (JIT) on a few frames, then time frames with a moving pusher as in an episode.
  for (let f = 0; f < 3; f++)
    for (const cam of cameras)
      renderScene([table, object, makePusher([0, 0, 0.01], 0.015)], cam, { supersample });
  const times: number[] = [];
  for (let f = 0; f < frames; f++) {
    const pusher = makePusher([-0.15 + 0.01 * f, 0.05, 0.01], 0.015);
    for (const cam of cameras) {
      const t0 = performance.now();
      renderScene([table, object, pusher], cam, { supersample });
      times.push(performance.now() - t0);
    }
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `supersample ${supersample}: ${mean.toFixed(1)} ms/view mean, ${median.toFixed(1)} median, ` +
      `${times[0].toFixed(1)}..${times[times.length - 1].toFixed(1)}; 4 views x 60 frames ~ ${((mean * 240) / 1000).toFixed(1)} s on one core`,
  );
}
