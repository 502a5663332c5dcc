// The WebAssembly backend's kernels against the TypeScript reference: gemm in every transpose and output mode on
// ragged, empty and large shapes (within a float32 rounding bound), gather and scatter-add bit for bit, results
// independent of the thread count, and the argument checks.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import type { GemmArgs, TensorBackend } from '../../src/autodiff/backend.js';
import { referenceGather, referenceGemm, referenceScatter } from '../../src/autodiff/reference-backend.js';
import { randomArray, randomIndices, sameBytes, wasmBackend } from './helpers.js';

const UNIT_ROUNDOFF = 2 ** -24;

type Mode = 'overwrite' | 'accumulate' | 'bias' | 'bias+relu';
const MODES: Mode[] = ['overwrite', 'accumulate', 'bias', 'bias+relu'];

/** Shapes [m, n, k]: empty, single, ragged against the 4 x 8 tiles and 64 x 128 x 512 blocks, split reductions. */
const SMALL_SHAPES: [number, number, number][] = [
  [0, 3, 4],
  [3, 0, 4],
  [3, 4, 0],
  [1, 1, 1],
  [1, 9, 3],
  [5, 1, 7],
  [4, 8, 4],
  [7, 13, 5],
  [17, 9, 11],
];
const LARGE_SHAPES: [number, number, number][] = [
  [130, 131, 77],
  [65, 260, 515],
  [9, 3, 3000],
  [33, 70, 2600],
  [1, 130, 4100],
];

function gemmCase(
  rng: Random,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  mode: Mode,
) {
  const args: GemmArgs = {
    m,
    n,
    k,
    a: randomArray(rng, m * k),
    b: randomArray(rng, k * n),
    c: randomArray(rng, m * n),
    transposeA: transA,
    transposeB: transB,
    accumulate: mode === 'accumulate',
    bias: mode.startsWith('bias') ? randomArray(rng, n) : undefined,
    relu: mode === 'bias+relu',
  };
  return args;
}

/**
 * Per-element bound for a float32 product summed in any order: (k + 2) u sum_p |a_ip b_pj| + u |c| (the standard
 * bound for recursive summation, plus the initial C or bias and the final rounding), the reference itself being
 * exact to u |c| (float64 accumulation, one rounding).
 */
function roundingBound(args: GemmArgs, initial: Float32Array): Float64Array {
  const abs = (x: Float32Array) => x.map(Math.abs);
  const magnitude = new Float32Array(args.m * args.n);
  referenceGemm({
    ...args,
    a: abs(args.a),
    b: abs(args.b),
    c: magnitude,
    accumulate: false,
    bias: undefined,
    relu: false,
  });
  const bound = new Float64Array(args.m * args.n);
  for (let i = 0; i < bound.length; i++) {
    const start = args.accumulate ? Math.abs(initial[i]) : args.bias ? Math.abs(args.bias[i % args.n]) : 0;
    bound[i] = (args.k + 2) * UNIT_ROUNDOFF * (magnitude[i] + start) + 1e-30;
  }
  return bound;
}

/** Runs `args` on the backend, half the time with the operands placed in its own storage (no copies). */
function runGemm(backend: TensorBackend, args: GemmArgs, owned: boolean): Float32Array {
  if (!owned) {
    const c = args.c.slice();
    backend.gemm({ ...args, c });
    return c;
  }
  const place = (x: Float32Array) => {
    const y = backend.alloc(x.length);
    y.set(x);
    return y;
  };
  const a = place(args.a);
  const b = place(args.b);
  const c = place(args.c);
  const bias = args.bias ? place(args.bias) : undefined;
  backend.gemm({ ...args, a, b, c, bias });
  const out = c.slice();
  for (const x of [a, b, c, bias]) if (x) backend.release(x);
  return out;
}

describe('wasm backend against the reference', () => {
  const one = wasmBackend(1);
  const two = wasmBackend(2);
  after(() => {
    one.dispose();
    two.dispose();
  });

  test('gemm: every transpose and mode on small ragged shapes, every transpose on large ones', () => {
    const rng = new Random(11);
    let cases = 0;
    const shapes = [
      ...SMALL_SHAPES.map((s) => ({ s, modes: MODES })),
      ...LARGE_SHAPES.map((s) => ({ s, modes: [] })),
    ];
    shapes.forEach(({ s: [m, n, k], modes }, shapeIndex) => {
      for (let t = 0; t < 4; t++) {
        const transA = (t & 1) === 1;
        const transB = (t & 2) === 2;
        for (const mode of modes.length ? modes : [MODES[(shapeIndex + t) % 4]]) {
          const args = gemmCase(rng, m, n, k, transA, transB, mode);
          const expected = args.c.slice();
          referenceGemm({ ...args, c: expected });
          const bound = roundingBound(args, args.c);
          const backend = cases % 2 === 0 ? two : one;
          const got = runGemm(backend, args, cases % 3 !== 0);
          for (let i = 0; i < expected.length; i++) {
            const d = Math.abs(got[i] - expected[i]);
            assert.ok(
              d <= bound[i],
              `${m}x${n}x${k} transA=${transA} transB=${transB} ${mode} on ${backend.threads} threads: element ${i} is ${got[i]}, expected ${expected[i]} (bound ${bound[i]})`,
            );
          }
          cases++;
        }
      }
    });
    assert.equal(cases, SMALL_SHAPES.length * 16 + LARGE_SHAPES.length * 4);
    assert.equal(one.memoryStats().liveBytes, 0);
    assert.equal(two.memoryStats().liveBytes, 0);
  });

  test('gather and scatter-add are exact, with repeated indices, empty rows and ragged widths', () => {
    const rng = new Random(12);
    const shapes: [number, number, number][] = [
      [0, 3, 0],
      [1, 1, 1],
      [1, 5, 9],
      [6, 3, 40],
      [20, 4, 7],
      [50, 13, 300],
      [37, 17, 1],
      [400, 130, 5000],
      [3000, 7, 20000],
    ];
    for (const [rows, cols, count] of shapes) {
      // Indices drawn from the first half only, so that half of the scatter's output rows receive nothing.
      const indices = randomIndices(rng, count, Math.max(1, rows >> 1));
      for (const accumulate of [false, true]) {
        for (const backend of [one, two]) {
          const src = randomArray(rng, rows * cols);
          const gathered = randomArray(rng, count * cols);
          const expected = gathered.slice();
          referenceGather({ src, srcRows: rows, cols, indices, out: expected, accumulate });
          backend.gatherRows({ src, srcRows: rows, cols, indices, out: gathered, accumulate });
          assert.ok(
            sameBytes(gathered, expected),
            `gather ${rows}x${cols} by ${count}, accumulate=${accumulate}`,
          );

          const updates = randomArray(rng, count * cols);
          const scattered = randomArray(rng, rows * cols);
          const expectedScatter = scattered.slice();
          referenceScatter({ src: updates, cols, indices, out: expectedScatter, outRows: rows, accumulate });
          backend.scatterAddRows({ src: updates, cols, indices, out: scattered, outRows: rows, accumulate });
          assert.ok(
            sameBytes(scattered, expectedScatter),
            `scatter ${count} rows of ${cols} into ${rows}, accumulate=${accumulate}`,
          );
        }
      }
    }
  });

  test('results are the same bytes on one and two threads, and from run to run', () => {
    const rng = new Random(13);
    // A blocked product, a split reduction (weight gradient shape) and a transposed one.
    for (const [m, n, k, transA, transB] of [
      [700, 130, 300, false, false],
      [130, 64, 9000, true, false],
      [500, 96, 130, false, true],
    ] as const) {
      const args = gemmCase(rng, m, n, k, transA, transB, 'bias+relu');
      const first = runGemm(two, args, true);
      assert.ok(sameBytes(first, runGemm(two, args, true)), `${m}x${n}x${k}: run to run`);
      assert.ok(sameBytes(first, runGemm(one, args, false)), `${m}x${n}x${k}: one thread against two`);
    }
    const indices = randomIndices(rng, 30000, 2000);
    const src = randomArray(rng, 30000 * 33);
    const outs = [one, two, two].map((backend) => {
      const out = new Float32Array(2000 * 33);
      backend.scatterAddRows({ src, cols: 33, indices, out, outRows: 2000 });
      return out;
    });
    assert.ok(sameBytes(outs[0], outs[1]) && sameBytes(outs[1], outs[2]), 'scatter-add');
  });

  test('bad arguments are RangeErrors naming what is wrong', () => {
    const src = new Float32Array(12);
    assert.throws(
      () =>
        one.gatherRows({ src, srcRows: 4, cols: 3, indices: Int32Array.of(0, 4), out: new Float32Array(6) }),
      /indices\[1\] = 4 is outside \[0, 4\)/,
    );
    assert.throws(
      () =>
        two.scatterAddRows({
          src,
          cols: 3,
          indices: Int32Array.of(0, -1, 2, 1),
          out: new Float32Array(9),
          outRows: 3,
        }),
      /indices\[1\] = -1/,
    );
    assert.throws(
      () =>
        one.gemm({
          m: 2,
          n: 2,
          k: 3,
          a: new Float32Array(5),
          b: new Float32Array(6),
          c: new Float32Array(4),
        }),
      /gemm a has 5 values, needs 6/,
    );
    assert.throws(
      () =>
        one.gemm({
          m: 1,
          n: 1,
          k: 1,
          a: new Float32Array(1),
          b: new Float32Array(1),
          c: new Float32Array(1),
          accumulate: true,
          bias: new Float32Array(1),
        }),
      /bias or accumulates/,
    );
    assert.throws(() => one.alloc(-1), RangeError);
    const a = one.alloc(4);
    one.release(a);
    assert.throws(() => one.release(a), /not live/);
    assert.equal(one.memoryStats().liveBytes, 0);
  });
});
