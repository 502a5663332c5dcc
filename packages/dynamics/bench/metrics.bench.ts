// The evaluation side of dynamics: the point-set metrics (Chamfer, exact EMD) and the fitted physics baseline it
// is compared with (one rollout, and a CMA-ES fit over ~50 windows of simulated rope pushes).
import { availableParallelism } from 'node:os';
import { Random } from '@gsdyn/geometry';
import { DEFAULT_BASELINE_PARAMS } from '../src/baseline/baseline-params.js';
import { fitBaseline } from '../src/baseline/fit-baseline.js';
import { BaselineSimulator } from '../src/baseline/particle-simulator.js';
import { chamferDistance } from '../src/metrics/chamfer-distance.js';
import { earthMoversDistance } from '../src/metrics/earth-movers-distance.js';
import { ropeWindows } from '../test/baseline/sim-windows.js';

function time(label: string, repeats: number, run: () => void): number {
  for (let k = 0; k < Math.max(3, Math.ceil(repeats / 10)); k++) run(); // warm-up (JIT)
  const t0 = performance.now();
  for (let k = 0; k < repeats; k++) run();
  const ms = (performance.now() - t0) / repeats;
  console.log(`${label.padEnd(52)} ${ms.toFixed(3).padStart(9)} ms`);
  return ms;
}

console.log(`dynamics metrics and physics baseline; ${availableParallelism()} cores`);
const rng = new Random(1);
const cloud = (n: number) => Float64Array.from({ length: 3 * n }, () => rng.uniform(-0.1, 0.1));
for (const n of [50, 100, 150, 300]) {
  const a = cloud(n);
  const b = cloud(n);
  time(`earthMoversDistance, ${n} vs ${n} points`, n <= 150 ? 50 : 5, () => earthMoversDistance(a, b));
}
{
  const a = cloud(150);
  const b = cloud(150);
  time('chamferDistance, 150 vs 150 points', 200, () => chamferDistance(a, b));
}

// One rollout: a 10 x 10 sheet (3 cm apart) pushed 5 x 1 cm at its edge.
{
  const n = 100;
  const history = new Float32Array(2 * 3 * n);
  for (let f = 0; f < 2; f++)
    for (let i = 0; i < n; i++)
      history.set([0.03 * (i % 10), 0.03 * Math.floor(i / 10), 0.005], (f * n + i) * 3);
  const tool = new Float32Array(7 * 3);
  for (let k = 0; k < 7; k++) tool.set([-0.03 + 0.01 * k, 0.135, 0.002], 3 * k);
  const sim = new BaselineSimulator({ objectCount: n, history, tool, toolRadius: 0.015 });
  const out = new Float32Array(5 * 3 * n);
  time(`baseline rollout, ${n} particles x 5 steps (${sim.springs.count} springs)`, 500, () =>
    sim.rollout(DEFAULT_BASELINE_PARAMS, out),
  );
  time(
    `baseline setup (springs, rest shape), ${n} particles`,
    100,
    () => new BaselineSimulator({ objectCount: n, history, tool, toolRadius: 0.015 }),
  );
}

// A fit over ~50 windows of simulated rope pushes (17 particles each, 5 steps).
{
  const options = { frames: 120, history: 2, horizon: 5, stride: 2, particleStride: 3 };
  const windows = [1, 2, 3, 4, 5].flatMap((seed) => ropeWindows(seed, options)).slice(0, 50);
  const evaluations = 600;
  const t0 = performance.now();
  const fit = fitBaseline(windows, { maxEvaluations: evaluations, seed: 1 });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `baseline fit, ${windows.length} rope windows, ${fit.evaluations} evaluations: ${s.toFixed(1)} s ` +
      `(${((1000 * s) / fit.evaluations / windows.length).toFixed(3)} ms per window rollout); ` +
      `error ${(1000 * fit.initialError).toFixed(3)} -> ${(1000 * fit.error).toFixed(3)} mm`,
  );
}
