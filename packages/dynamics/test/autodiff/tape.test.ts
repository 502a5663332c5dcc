// The tape's bookkeeping (parameters and their accumulated gradients, misuse errors, memory over many steps) and
// a small graph network run on the WebAssembly backend against the reference backend, with determinism.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { TensorBackend } from '../../src/autodiff/backend.js';
import { createReferenceBackend } from '../../src/autodiff/reference-backend.js';
import { Tape } from '../../src/autodiff/tape.js';
import type { Parameter } from '../../src/model/config.js';
import { maxAbsDiff, sameBytes, wasmBackend } from './helpers.js';
import { tinyGraph, tinyLoss, tinyParameters } from './tiny-gnn.js';

const reference = createReferenceBackend();
const wasm1 = wasmBackend(1);
const wasm2 = wasmBackend(2);
after(() => {
  wasm1.dispose();
  wasm2.dispose();
});

describe('parameters and gradients', () => {
  const weight = (): Parameter => ({ name: 'w', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
  const bias = (): Parameter => ({ name: 'b', shape: [3], data: Float32Array.of(0.5, -1, 2) });

  test('shapes, one tensor per parameter per step, gradients summed until zeroGrads', () => {
    const tape = new Tape(reference);
    const w = weight();
    const b = bias();
    const x = Float32Array.of(1, -1, 2, 0.5);
    const step = () => {
      const wt = tape.parameter(w);
      assert.equal(tape.parameter(w), wt, 'the same tensor when asked twice');
      assert.deepEqual([wt.rows, wt.cols], [2, 3]);
      const bt = tape.parameter(b);
      assert.deepEqual([bt.rows, bt.cols], [1, 3]);
      // L = sum(x W + b) + sum(x W): dL/dW[p][j] = 2 sum_i x[i][p], dL/db[j] = rows = 2.
      const input = tape.constant(x, 2, 2);
      const loss = tape.add(tape.sum(tape.linear(input, wt, bt)), tape.sum(tape.matmul(input, wt)));
      tape.backward(loss);
      tape.reset();
    };
    step();
    assert.deepEqual([...tape.grads.get('w')!], [6, 6, 6, -1, -1, -1]);
    assert.deepEqual([...tape.grads.get('b')!], [2, 2, 2]);
    step();
    assert.deepEqual([...tape.grads.get('w')!], [12, 12, 12, -2, -2, -2], 'a second backward adds');
    tape.zeroGrads();
    assert.equal(tape.grads.size, 0);
    assert.equal(reference.memoryStats().liveBytes, 0);
  });

  test('misuse is reported', () => {
    const tape = new Tape(reference);
    const other = new Tape(reference);
    const a = tape.variable([1, 2], 1, 2);
    assert.throws(() => other.relu(a), /not made by this tape/);
    assert.throws(() => tape.backward(a), /must be 1 x 1/);
    assert.throws(() => tape.backward(tape.sum(tape.constant([1], 1, 1))), /depends on no parameter/);
    const loss = tape.sum(a);
    tape.backward(loss);
    assert.throws(() => tape.backward(loss), /already called/);
    tape.reset();
    assert.throws(() => tape.relu(a), /before the last reset/);
    assert.throws(() => tape.constant([1, 2, 3], 2, 2), /3 values for 2 x 2/);
    assert.throws(() => tape.add(tape.zeros(2, 2), tape.zeros(2, 3)), /shapes 2 x 2 and 2 x 3 differ/);
    assert.throws(() => tape.matmul(tape.zeros(2, 2), tape.zeros(3, 2)), /2 x 2 times 3 x 2/);
    assert.throws(
      () => tape.gatherRows(tape.zeros(2, 2), Int32Array.of(2)),
      /indices\[0\] = 2 is outside \[0, 2\)/,
    );
    assert.throws(() => tape.scatterAddRows(tape.zeros(2, 2), Int32Array.of(0), 3), /1 indices for 2 rows/);
    assert.throws(() => tape.sliceRows(tape.zeros(2, 2), 1, 3), /not a row range/);
    assert.throws(() => tape.mseLoss(tape.zeros(2, 1), tape.zeros(2, 1), [0, 0]), /fully masked/);
    assert.throws(
      () => tape.parameter({ name: 'p', shape: [2, 2], data: new Float32Array(3) }),
      /3 values for shape/,
    );
    tape.parameter(weight());
    assert.throws(() => tape.parameter(weight()), /two different parameters are named 'w'/);
    tape.reset();
  });

  test('memory: nothing live after reset, the heap stops growing, intermediate gradients freed early', () => {
    const graph = tinyGraph(5, 300, 2000, 6);
    const params = tinyParameters(6, 6, 32);
    const tape = new Tape(wasm2);
    const heap: number[] = [];
    for (let step = 0; step < 12; step++) {
      const loss = tinyLoss(tape, params, graph);
      const forwardBytes = wasm2.memoryStats().liveBytes;
      tape.zeroGrads();
      tape.backward(loss);
      // Only the forward values remain: every gradient buffer of the step went back during the pass.
      assert.equal(wasm2.memoryStats().liveBytes, forwardBytes, `step ${step}`);
      tape.reset();
      assert.equal(wasm2.memoryStats().liveBytes, 0);
      heap.push(wasm2.memoryStats().heapBytes);
    }
    assert.equal(heap[heap.length - 1], heap[1], `heap sizes over the steps: ${heap.join(', ')}`);
  });
});

/** Loss and every parameter gradient of one step of the tiny network. */
function oneStep(backend: TensorBackend, vertices: number, edges: number, hidden: number) {
  const graph = tinyGraph(21, vertices, edges, 14);
  const params = tinyParameters(22, 14, hidden);
  const tape = new Tape(backend);
  const loss = tinyLoss(tape, params, graph);
  const value = loss.item();
  tape.backward(loss);
  tape.reset();
  return { value, grads: tape.grads, params };
}

describe('the WebAssembly backend on a whole graph network', () => {
  test('loss and gradients match the reference backend', () => {
    // 5000 edges x 2H inputs: the edge layer runs threaded, and its weight gradient takes the split reduction.
    const expected = oneStep(reference, 600, 5000, 48);
    const got = oneStep(wasm2, 600, 5000, 48);
    assert.ok(
      Math.abs(got.value - expected.value) <= 1e-5 * expected.value,
      `loss ${got.value} vs ${expected.value}`,
    );
    for (const p of expected.params) {
      const e = expected.grads.get(p.name)!;
      const g = got.grads.get(p.name)!;
      const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      // Sums of thousands of float32 terms in another order: relative differences of 1e-6 to 1e-5 are expected.
      const { diff, at } = maxAbsDiff(g, e);
      assert.ok(diff <= 1e-4 * scale, `${p.name}[${at}]: ${g[at]} vs ${e[at]} (largest |gradient| ${scale})`);
    }
  });

  test('the same bytes from run to run and on one or two threads', () => {
    const first = oneStep(wasm2, 600, 5000, 48);
    for (const other of [oneStep(wasm2, 600, 5000, 48), oneStep(wasm1, 600, 5000, 48)]) {
      assert.equal(other.value, first.value);
      for (const [name, g] of first.grads) assert.ok(sameBytes(other.grads.get(name)!, g), name);
    }
  });
});
