// Every op's backward pass against central finite differences of the tape's own forward pass, on both backends.
//
// The loss is L = sum(W * op(inputs)) with W fixed and random, so that every output element is weighted
// differently. Finite differences run in float32 (the tape's precision): with inputs and W of order 1, L is
// rounded to about 1e-6, so the difference quotient carries noise of about 1e-6 / (2h) = 5e-5 at h = 1e-2, and
// the O(h^2) truncation error is about 1e-4 for the smooth ops chosen here (sqrt is taken at >= 0.5, ReLU and
// clamp inputs stay further than any perturbation from their kinks). A tolerance of 2e-3 (1 + |gradient|) sits
// well above both, while a wrong sign, factor, transpose or dropped contribution is off by order 1. The actual
// perturbation fround(x + h) - fround(x - h) is used as the divisor.
//
// Each op is checked twice: once as the only user of its inputs (its backward writes fresh gradient buffers)
// and once with every input also used after it (its backward then adds into existing ones).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import type { TensorBackend } from '../../src/autodiff/backend.js';
import { createReferenceBackend } from '../../src/autodiff/reference-backend.js';
import { Tape } from '../../src/autodiff/tape.js';
import type { Tensor } from '../../src/autodiff/tensor.js';
import { awayFromZero, backendLabel, randomArray, wasmBackend } from './helpers.js';

const STEP = 1e-2;
const TOLERANCE = 2e-3;

interface Input {
  rows: number;
  cols: number;
  draw: (rng: Random, n: number) => Float32Array;
}

interface OpCase {
  name: string;
  inputs: Input[];
  build: (tape: Tape, x: Tensor[]) => Tensor;
  /** Rejects draws that put an input near a kink; the draw is repeated with the next random numbers. */
  valid?: (x: Float32Array[]) => boolean;
}

const uniform = (rows: number, cols: number): Input => ({ rows, cols, draw: (r, n) => randomArray(r, n) });
const away = (rows: number, cols: number): Input => ({ rows, cols, draw: (r, n) => awayFromZero(r, n) });
const positive = (rows: number, cols: number): Input => ({
  rows,
  cols,
  draw: (r, n) => randomArray(r, n, 0.5, 1.5),
});

/** Pre-activations x W + b, in float64, all further than `margin` from zero. */
function preActivationsClear(
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | undefined,
  rows: number,
  k: number,
  n: number,
  margin: number,
) {
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < n; j++) {
      let z = b ? b[j] : 0;
      for (let p = 0; p < k; p++) z += x[i * k + p] * w[p * n + j];
      if (Math.abs(z) < margin) return false;
    }
  return true;
}

const gatherIndex = Int32Array.of(2, 0, 2, 4, 4, 4, 1);
const scatterIndex = Int32Array.of(3, 0, 3, 3, 1, 0);

const CASES: OpCase[] = [
  { name: 'matmul', inputs: [uniform(3, 4), uniform(4, 5)], build: (t, [a, b]) => t.matmul(a, b) },
  { name: 'linear', inputs: [uniform(5, 3), uniform(3, 4)], build: (t, [x, w]) => t.linear(x, w) },
  {
    name: 'linear + bias',
    inputs: [uniform(5, 3), uniform(3, 4), uniform(1, 4)],
    build: (t, [x, w, b]) => t.linear(x, w, b),
  },
  {
    name: 'linear + bias + relu',
    inputs: [uniform(6, 3), uniform(3, 4), uniform(1, 4)],
    build: (t, [x, w, b]) => t.linear(x, w, b, 'relu'),
    valid: ([x, w, b]) => preActivationsClear(x, w, b, 6, 3, 4, 0.1),
  },
  {
    name: 'addRowVector',
    inputs: [uniform(4, 3), uniform(1, 3)],
    build: (t, [a, b]) => t.addRowVector(a, b),
  },
  { name: 'add', inputs: [uniform(3, 5), uniform(3, 5)], build: (t, [a, b]) => t.add(a, b) },
  { name: 'sub', inputs: [uniform(3, 5), uniform(3, 5)], build: (t, [a, b]) => t.sub(a, b) },
  { name: 'mul', inputs: [uniform(3, 5), uniform(3, 5)], build: (t, [a, b]) => t.mul(a, b) },
  { name: 'scale', inputs: [uniform(2, 7)], build: (t, [a]) => t.scale(a, -2.5) },
  { name: 'relu', inputs: [away(4, 5)], build: (t, [a]) => t.relu(a) },
  {
    name: 'clamp',
    inputs: [uniform(5, 6)],
    build: (t, [a]) => t.clamp(a, -0.4, 0.5),
    valid: ([a]) => a.every((v) => Math.abs(v + 0.4) > 0.05 && Math.abs(v - 0.5) > 0.05),
  },
  { name: 'square', inputs: [uniform(3, 4)], build: (t, [a]) => t.square(a) },
  { name: 'sqrt', inputs: [positive(3, 4)], build: (t, [a]) => t.sqrt(a, 0.1) },
  {
    name: 'concatCols',
    inputs: [uniform(3, 2), uniform(3, 1), uniform(3, 4)],
    build: (t, [a, b, c]) => t.concatCols([a, b, c]),
  },
  { name: 'sliceRows', inputs: [uniform(6, 3)], build: (t, [a]) => t.sliceRows(a, 2, 5) },
  { name: 'gatherRows', inputs: [uniform(6, 3)], build: (t, [a]) => t.gatherRows(a, gatherIndex) },
  {
    name: 'scatterAddRows',
    inputs: [uniform(6, 3)],
    build: (t, [a]) => t.scatterAddRows(a, scatterIndex, 5),
  },
  { name: 'rowNorm', inputs: [uniform(5, 3)], build: (t, [a]) => t.rowNorm(a, 1e-3) },
  { name: 'sum', inputs: [uniform(3, 4)], build: (t, [a]) => t.sum(a) },
  { name: 'mean', inputs: [uniform(3, 4)], build: (t, [a]) => t.mean(a) },
  { name: 'mseLoss', inputs: [uniform(4, 3), uniform(4, 3)], build: (t, [a, b]) => t.mseLoss(a, b) },
  {
    name: 'mseLoss with a row mask',
    inputs: [uniform(5, 3), uniform(5, 3)],
    build: (t, [a, b]) => t.mseLoss(a, b, [1, 0, 1, 1, 0]),
  },
  {
    name: 'edge lengths (gather, sub, rowNorm, mseLoss)',
    inputs: [uniform(5, 3), positive(4, 1)],
    build: (t, [p, target]) =>
      t.mseLoss(
        t.rowNorm(
          t.sub(t.gatherRows(p, Int32Array.of(0, 1, 2, 4)), t.gatherRows(p, Int32Array.of(1, 2, 4, 4))),
          1e-4,
        ),
        target,
      ),
  },
];

function drawInputs(c: OpCase, rng: Random): Float32Array[] {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const xs = c.inputs.map((i) => i.draw(rng, i.rows * i.cols));
    if (!c.valid || c.valid(xs)) return xs;
  }
  throw new Error(`${c.name}: no valid draw in 1000 attempts`);
}

/** L = sum(W * op(x)) (+ sum(V_i * x_i) for every input when `shared`), recorded on `tape`. */
function buildLoss(tape: Tape, c: OpCase, x: Tensor[], weights: Float32Array[], shared: boolean): Tensor {
  const out = c.build(tape, x);
  let loss = tape.sum(tape.mul(out, tape.constant(weights[0].subarray(0, out.size), out.rows, out.cols)));
  if (shared)
    x.forEach((xi, i) => {
      const extra = tape.sum(
        tape.mul(xi, tape.constant(weights[i + 1].subarray(0, xi.size), xi.rows, xi.cols)),
      );
      loss = tape.add(loss, extra);
    });
  return loss;
}

function checkCase(backend: TensorBackend, c: OpCase, shared: boolean, seed: number): void {
  const rng = new Random(seed);
  const inputs = drawInputs(c, rng);
  const weights = [randomArray(rng, 64), ...c.inputs.map((i) => randomArray(rng, i.rows * i.cols))];
  const tape = new Tape(backend);
  const lossAt = (values: Float32Array[]): number => {
    const x = values.map((v, i) => tape.constant(v, c.inputs[i].rows, c.inputs[i].cols));
    const value = buildLoss(tape, c, x, weights, shared).item();
    tape.reset();
    return value;
  };
  const x = inputs.map((v, i) => tape.variable(v, c.inputs[i].rows, c.inputs[i].cols));
  tape.backward(buildLoss(tape, c, x, weights, shared));
  const analytic = x.map((xi) => {
    const g = tape.gradient(xi);
    return g ? Float64Array.from(g) : new Float64Array(xi.size);
  });
  tape.reset();
  let worst = 0;
  inputs.forEach((input, i) => {
    for (let j = 0; j < input.length; j++) {
      const plus = inputs.map((v) => v.slice());
      const minus = inputs.map((v) => v.slice());
      plus[i][j] = input[j] + STEP;
      minus[i][j] = input[j] - STEP;
      const numeric = (lossAt(plus) - lossAt(minus)) / (plus[i][j] - minus[i][j]);
      const error = Math.abs(numeric - analytic[i][j]) / (1 + Math.abs(analytic[i][j]));
      worst = Math.max(worst, error);
      assert.ok(
        error <= TOLERANCE,
        `${c.name}${shared ? ' (inputs shared)' : ''} on ${backendLabel(backend)}: d/d input ${i}[${j}] is ${analytic[i][j]}, finite differences give ${numeric}`,
      );
    }
  });
  assert.ok(worst < TOLERANCE);
  assert.equal(backend.memoryStats().liveBytes, 0, 'everything released at reset');
}

describe('every op against finite differences', () => {
  const backends = [createReferenceBackend(), wasmBackend(2)];
  after(() => {
    for (const b of backends) b.dispose();
  });
  for (const backend of backends) {
    for (const [index, c] of CASES.entries()) {
      test(`${c.name} on ${backendLabel(backend)}`, () => {
        checkCase(backend, c, false, 100 + index);
        checkCase(backend, c, true, 200 + index);
      });
    }
  }
});
