// Adam against steps computed by hand from torch.optim.Adam's update rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam } from '../../src/autodiff/adam.js';
import type { Parameter } from '../../src/model/config.js';

/** float32 rounding at every stored value allows about 1e-7 relative; 1e-6 leaves room and still catches any slip. */
function close(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  );
}

test('two steps match the hand-computed torch update', () => {
  const w: Parameter = { name: 'w', shape: [3], data: Float32Array.of(1, -2, 0.5) };
  const adam = new Adam([w], { lr: 0.1 });
  // Step 1, g = (0.2, -0.4, 0): m = 0.1 g, v = 0.001 g^2; m-hat = g, v-hat = g^2, so p -= 0.1 g / (|g| + 1e-8).
  adam.step(new Map([['w', Float32Array.of(0.2, -0.4, 0)]]));
  close(w.data[0], 1 - (0.1 * 0.2) / (0.2 + 1e-8), 'step 1, w0');
  close(w.data[1], -2 + (0.1 * 0.4) / (0.4 + 1e-8), 'step 1, w1');
  assert.equal(w.data[2], 0.5, 'a zero gradient leaves the value');
  // Step 2, g = (1, 0.4, 0):
  //   w0: m = 0.9 * 0.02 + 0.1 * 1 = 0.118, v = 0.999 * 4e-5 + 0.001 * 1 = 1.03996e-3
  //   p -= 0.1 / (1 - 0.81) * 0.118 / (sqrt(1.03996e-3) / sqrt(1 - 0.998001) + 1e-8)
  const w0 = w.data[0];
  const w1 = w.data[1];
  adam.step(new Map([['w', Float32Array.of(1, 0.4, 0)]]));
  const denom0 = Math.sqrt(1.03996e-3) / Math.sqrt(1 - 0.999 ** 2) + 1e-8;
  close(w.data[0], w0 - ((0.1 / 0.19) * 0.118) / denom0, 'step 2, w0');
  //   w1: m = 0.9 * -0.04 + 0.1 * 0.4 = 0.004, v = 0.999 * 1.6e-4 + 0.001 * 0.16 = 3.1984e-4
  const denom1 = Math.sqrt(3.1984e-4) / Math.sqrt(1 - 0.999 ** 2) + 1e-8;
  close(w.data[1], w1 - ((0.1 / 0.19) * 0.004) / denom1, 'step 2, w1');
  assert.equal(adam.stepCount('w'), 2);
});

test('parameters without a gradient are skipped, unknown names and bad options rejected', () => {
  const a: Parameter = { name: 'a', shape: [1], data: Float32Array.of(1) };
  const b: Parameter = { name: 'b', shape: [1], data: Float32Array.of(1) };
  const adam = new Adam([a, b], { lr: 0.5, beta1: 0, beta2: 0, eps: 0 });
  // With both betas 0 each step is plain sign descent: p -= lr * g / |g|.
  adam.step(new Map([['a', Float32Array.of(-3)]]));
  assert.equal(a.data[0], 1.5);
  assert.equal(b.data[0], 1);
  assert.equal(adam.stepCount('b'), 0);
  assert.throws(() => adam.step(new Map([['c', Float32Array.of(1)]])), /unknown parameter 'c'/);
  assert.throws(
    () => adam.step(new Map([['a', Float32Array.of(1, 2)]])),
    /'a' has 1 values but its gradient has 2/,
  );
  assert.throws(() => new Adam([a], { lr: 0 }), /lr must be a positive number/);
  assert.throws(() => new Adam([a], { lr: 1, beta2: 1 }), /beta2 must be in \[0, 1\)/);
  assert.throws(() => new Adam([a, a], { lr: 1 }), /two parameters are named 'a'/);
});
