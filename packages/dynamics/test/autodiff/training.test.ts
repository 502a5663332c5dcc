// A few Adam steps on the small graph network: the loss must fall, on both backends, along the same path.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Adam } from '../../src/autodiff/adam.js';
import type { TensorBackend } from '../../src/autodiff/backend.js';
import { createReferenceBackend } from '../../src/autodiff/reference-backend.js';
import { Tape } from '../../src/autodiff/tape.js';
import { backendLabel, wasmBackend } from './helpers.js';
import { tinyGraph, tinyLoss, tinyParameters } from './tiny-gnn.js';

const STEPS = 40;

function train(backend: TensorBackend): number[] {
  const graph = tinyGraph(31, 80, 400, 5);
  const params = tinyParameters(32, 5, 16);
  const adam = new Adam(params, { lr: 1e-2 });
  const tape = new Tape(backend);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const loss = tinyLoss(tape, params, graph);
    losses.push(loss.item());
    tape.zeroGrads();
    tape.backward(loss);
    adam.step(tape.grads);
    tape.reset();
  }
  return losses;
}

const wasm = wasmBackend(2);
after(() => wasm.dispose());

test('Adam on the graph network lowers the loss, identically on both backends', () => {
  const reference = train(createReferenceBackend());
  const fast = train(wasm);
  for (const [label, losses] of [
    [backendLabel(createReferenceBackend()), reference],
    [backendLabel(wasm), fast],
  ] as const) {
    const first = losses[0];
    const last = losses[losses.length - 1];
    assert.ok(last < 0.3 * first, `${label}: loss ${first} -> ${last} after ${STEPS} steps`);
  }
  // The two follow the same trajectory up to float32 reordering, amplified a little by 40 steps.
  for (let s = 0; s < STEPS; s++)
    assert.ok(
      Math.abs(fast[s] - reference[s]) <= 1e-3 * reference[s],
      `step ${s}: ${fast[s]} on wasm, ${reference[s]} on the reference`,
    );
});
