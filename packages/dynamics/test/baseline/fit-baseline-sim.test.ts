import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BaselineObjective, fitBaseline } from '../../src/baseline/fit-baseline.js';
import type { RolloutWindow } from '../../src/baseline/rollout-problem.js';
import { rolloutMetrics } from '../../src/metrics/rollout-metrics.js';
import { ropeWindows } from './sim-windows.js';

/** Mean particle error of predicting that nothing moves (every future frame = the current state). */
function stillError(windows: RolloutWindow[]): number {
  let sum = 0;
  for (const w of windows) {
    const size = 3 * w.objectCount;
    const current = w.history.subarray(w.history.length - size);
    const still = new Float32Array(w.future.length);
    for (let k = 0; k < still.length; k += size) still.set(current, k);
    const m = rolloutMetrics(still, w.future, w.objectCount);
    sum += m.meanParticleError.reduce((s, v) => s + v, 0) / m.steps;
  }
  return sum / windows.length;
}

test('fitted to simulated rope pushes, the baseline predicts held-out pushes 5 steps ahead far better than "nothing moves"', () => {
  // Every third particle of the simulator's 51 (3 cm apart, like the learned model's sampling), steps of ~1 cm.
  const options = { frames: 120, history: 2, horizon: 5, stride: 2, particleStride: 3 };
  const train = [1, 2].flatMap((seed) => ropeWindows(seed, options));
  const validation = ropeWindows(3, options);
  assert.ok(train.length >= 15 && validation.length >= 10, `${train.length} / ${validation.length} windows`);
  const fit = fitBaseline(train, { maxEvaluations: 300, seed: 1 });
  assert.ok(fit.error < 0.6 * fit.initialError, `fit ${fit.error} from ${fit.initialError}`);
  const fitted = new BaselineObjective(validation).error(fit.params);
  const still = stillError(validation);
  // Measured: 0.37 mm against 1.73 mm.
  assert.ok(fitted < 0.5 * still, `validation error ${fitted} m, "nothing moves" ${still} m`);
});
