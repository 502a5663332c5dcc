import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanParticleError } from '../../src/metrics/particle-error.js';
import { rolloutMetrics } from '../../src/metrics/rollout-metrics.js';

test('meanParticleError averages the distances of corresponding particles', () => {
  const truth = new Float32Array([0, 0, 0, 1, 1, 1]);
  const predicted = new Float32Array([0.003, 0.004, 0, 1, 1, 1]);
  assert.ok(Math.abs(meanParticleError(predicted, truth) - 0.0025) < 1e-9);
  assert.equal(meanParticleError(truth, truth), 0);
  // Swapping two particles is an error for this metric (correspondence), unlike for Chamfer and EMD.
  const swapped = new Float32Array([1, 1, 1, 0, 0, 0]);
  assert.ok(Math.abs(meanParticleError(swapped, truth) - Math.sqrt(3)) < 1e-6);
});

test('meanParticleError rejects sets that do not correspond', () => {
  assert.throws(
    () => meanParticleError(new Float32Array(6), new Float32Array(9)),
    /2 particles but truth has 3/,
  );
  assert.throws(() => meanParticleError(new Float32Array(0), new Float32Array(0)), /empty/);
});

test('rolloutMetrics scores each step: error grows with a drifting prediction, swaps only hurt the error', () => {
  const n = 3;
  const steps = 4;
  const truth = new Float32Array(steps * n * 3);
  for (let s = 0; s < steps; s++)
    for (let i = 0; i < n; i++) truth.set([0.1 * i, 0.01 * s, 0.02], (s * n + i) * 3);
  // Prediction: step s is the truth moved by (s + 1) mm along x, with particles 0 and 2 swapped at the last step.
  const predicted = truth.slice();
  for (let s = 0; s < steps; s++) for (let i = 0; i < n; i++) predicted[(s * n + i) * 3] += 0.001 * (s + 1);
  const last = (steps - 1) * n * 3;
  const p0 = predicted.slice(last, last + 3);
  predicted.copyWithin(last, last + 6, last + 9);
  predicted.set(p0, last + 6);
  const m = rolloutMetrics(predicted, truth, n);
  assert.equal(m.steps, steps);
  for (let s = 0; s < steps - 1; s++) {
    assert.ok(Math.abs(m.meanParticleError[s] - 0.001 * (s + 1)) < 1e-6);
    assert.ok(Math.abs(m.earthMovers[s] - 0.001 * (s + 1)) < 1e-6);
    assert.ok(Math.abs(m.chamfer[s] - 0.002 * (s + 1)) < 1e-6);
  }
  assert.ok(m.meanParticleError[steps - 1] > 0.1, 'the swap is a large correspondence error');
  assert.ok(Math.abs(m.earthMovers[steps - 1] - 0.004) < 1e-6, 'EMD ignores the order');
  assert.throws(() => rolloutMetrics(predicted, truth.subarray(3), n), /steps x 3 x 3/);
});
