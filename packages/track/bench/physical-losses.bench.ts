// The tracker's physical priors per iteration, as the tracker called them (rigidityLoss, rotationSimilarityLoss,
// isometryLoss, then tableLoss and backgroundLoss, each added to the render gradients with addScaled) against the
// fused physicalLosses into the same gradients, on a deterministic cloud the size of the tracker's: 10,000
// foreground Gaussians in a k = 20 neighbour graph (200,000 pairs) and 1,000 background ones, float32 as in the
// tracker. Run with `npm run bench -- physical-losses`.
import { availableParallelism, cpus } from 'node:os';
import { Random } from '@gsdyn/geometry';
import { backgroundLoss } from '../src/losses/background.js';
import type { LossWithGrad } from '../src/losses/loss-types.js';
import { buildNeighbourGraph } from '../src/losses/neighbours.js';
import {
  createPhysicalWorkspace,
  type PhysicalPriorInputs,
  physicalLosses,
} from '../src/losses/physical-priors.js';
import { isometryLoss, rigidityLoss, rotationSimilarityLoss } from '../src/losses/rigidity.js';
import { tableLoss } from '../src/losses/table.js';

const FOREGROUND = 10_000;
const BACKGROUND = 1_000;
const N = FOREGROUND + BACKGROUND;
const K = 20;
const REPS = 25;
const BATCH = 4;
const WARMUP = 120;
/** The gs-dynamics preset's rope weights. */
const WEIGHTS = { rigid: 200, rot: 4, iso: 1000, table: 2, bg: 200 };

/** A random unit quaternion (normalised 4D Gaussian). */
function unitQuaternion(rng: Random): number[] {
  const q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
  const s = Math.hypot(...q);
  return q.map((v) => v / s);
}

/**
 * A 20 x 20 x 3 cm slab of foreground on the table (a few Gaussians dip below it) and background Gaussians
 * around it; the previous frame moved ~1 mm from frame 0 and the current one ~1 mm more, every Gaussian turning a
 * little, the current quaternions unnormalised as Adam leaves them.
 */
function cloud(seed: number): PhysicalPriorInputs {
  const rng = new Random(seed);
  const means0 = new Float32Array(3 * N);
  for (let i = 0; i < N; i++) {
    const spread = i < FOREGROUND ? 0.1 : 0.4;
    means0[3 * i] = rng.uniform(-spread, spread);
    means0[3 * i + 1] = rng.uniform(-spread, spread);
    means0[3 * i + 2] = i < FOREGROUND ? rng.uniform(-0.002, 0.03) : rng.uniform(0, 0.01);
  }
  const prevMeans = Float32Array.from(means0, (v) => v + rng.uniform(-0.001, 0.001));
  const means = Float32Array.from(prevMeans, (v) => v + rng.uniform(-0.001, 0.001));
  const quaternions0 = new Float32Array(4 * N);
  const prevQuaternions = new Float32Array(4 * N);
  const quaternions = new Float32Array(4 * N);
  for (let i = 0; i < N; i++) {
    const q0 = unitQuaternion(rng);
    quaternions0.set(q0, 4 * i);
    const p = q0.map((v) => v + rng.uniform(-0.02, 0.02));
    const np = Math.hypot(...p);
    prevQuaternions.set(
      p.map((v) => v / np),
      4 * i,
    );
    quaternions.set(
      p.map((v) => v / np + rng.uniform(-0.02, 0.02)),
      4 * i,
    );
  }
  const foreground = Uint32Array.from({ length: FOREGROUND }, (_, i) => i);
  const background = Uint32Array.from({ length: BACKGROUND }, (_, r) => FOREGROUND + r);
  return {
    graph: buildNeighbourGraph(means0, K, foreground),
    means,
    quaternions,
    prevMeans,
    prevQuaternions,
    table: { indices: foreground },
    background: { indices: background, means0, quaternions0 },
  };
}

/** The tracker's own helper (tracker.ts), the cost the fused call also removes. */
function addScaled(target: Float32Array, source: Float32Array | undefined, weight: number): void {
  if (!source || weight === 0) return;
  for (let i = 0; i < target.length; i++) target[i] += weight * source[i];
}

/**
 * Median milliseconds per call of each function, as this process's CPU time (user + system, so the garbage
 * collector's helper threads count too) and as wall time, over alternating batches so that load on the shared
 * machine hits every function alike.
 */
function timeAll(fns: (() => void)[]): { cpu: number; wall: number }[] {
  // Enough calls for V8 to reach its final code before the clock starts: a function whose one hot loop was
  // compiled on-stack keeps running that code for some 80 calls before the whole function is optimised (~20% faster
  // for physicalLosses), a state the tracker's thousands of calls leave early.
  for (let k = 0; k < WARMUP; k++) for (const f of fns) f();
  const cpu = fns.map(() => [] as number[]);
  const wall = fns.map(() => [] as number[]);
  for (let r = 0; r < REPS; r++) {
    fns.forEach((f, s) => {
      const startCpu = process.cpuUsage();
      const startWall = performance.now();
      for (let k = 0; k < BATCH; k++) f();
      const used = process.cpuUsage(startCpu);
      wall[s].push((performance.now() - startWall) / BATCH);
      cpu[s].push((used.user + used.system) / 1000 / BATCH);
    });
  }
  const median = (t: number[]) => t.sort((a, b) => a - b)[t.length >> 1];
  return fns.map((_, s) => ({ cpu: median(cpu[s]), wall: median(wall[s]) }));
}

const x = cloud(5);
const grads = { means: new Float32Array(3 * N), quaternions: new Float32Array(4 * N) };
const workspace = createPhysicalWorkspace(x.graph, N);
const bg = x.background!;

/** The tracker's loop before: each term allocates its gradients, then addScaled adds them in. */
function separate(withRegularisers: boolean): void {
  const terms: [number, LossWithGrad][] = [
    [WEIGHTS.rigid, rigidityLoss(x)],
    [WEIGHTS.rot, rotationSimilarityLoss(x)],
    [WEIGHTS.iso, isometryLoss(x)],
  ];
  if (withRegularisers) {
    terms.push([WEIGHTS.table, tableLoss(x.means, x.table!.indices)]);
    terms.push([WEIGHTS.bg, backgroundLoss(x.means, x.quaternions, bg.means0, bg.quaternions0, bg.indices)]);
  }
  for (const [weight, term] of terms) {
    addScaled(grads.means, term.gradMeans, weight);
    addScaled(grads.quaternions, term.gradQuaternions, weight);
  }
}

const pairsOnly = { ...x, table: undefined, background: undefined };
const cpu = cpus()[0]?.model ?? 'unknown cpu';
console.log(
  `physical priors: ${FOREGROUND} foreground Gaussians, k = ${K} (${x.graph.count * K} pairs), ${BACKGROUND} background; ${availableParallelism()} cores (${cpu}), single-threaded`,
);
console.log(`ms per call, median of ${REPS} batches of ${BATCH}: CPU (user + system) and wall`);
const rows: string[][] = [['terms', 'path', 'CPU ms', 'wall ms', 'speed-up (CPU)', 'speed-up (wall)']];
for (const withRegularisers of [true, false]) {
  const [before, after] = timeAll([
    () => separate(withRegularisers),
    () => physicalLosses(withRegularisers ? x : pairsOnly, WEIGHTS, workspace, grads),
  ]);
  const terms = withRegularisers ? 'rigid+rot+iso+table+bg' : 'rigid+rot+iso';
  rows.push([terms, 'separate + addScaled', before.cpu.toFixed(2), before.wall.toFixed(2), '', '']);
  rows.push([
    terms,
    'physicalLosses',
    after.cpu.toFixed(2),
    after.wall.toFixed(2),
    (before.cpu / after.cpu).toFixed(2),
    (before.wall / after.wall).toFixed(2),
  ]);
}
// Where the separate path's time goes (each call alone, allocations included, no addScaled).
const parts = timeAll([
  () => rigidityLoss(x),
  () => rotationSimilarityLoss(x),
  () => isometryLoss(x),
  () => tableLoss(x.means, x.table!.indices),
  () => backgroundLoss(x.means, x.quaternions, bg.means0, bg.quaternions0, bg.indices),
]);
const names = ['rigidityLoss', 'rotationSimilarityLoss', 'isometryLoss', 'tableLoss', 'backgroundLoss'];
parts.forEach((t, s) => {
  rows.push(['(one term)', names[s], t.cpu.toFixed(2), t.wall.toFixed(2), '', '']);
});
const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
for (const r of rows) console.log(r.map((cell, j) => cell.padStart(widths[j])).join('  '));
