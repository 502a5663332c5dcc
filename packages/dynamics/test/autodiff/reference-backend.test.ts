// The reference kernels (the oracle of the other tests) on answers worked out by hand, and the CSR row index the
// WebAssembly scatter is built on against a brute-force listing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { createReferenceBackend } from '../../src/autodiff/reference-backend.js';
import { buildRowIndex } from '../../src/autodiff/wasm/row-index.js';
import { randomIndices } from './helpers.js';

const backend = createReferenceBackend();

test('gemm: a 2 x 3 by 3 x 2 product in every transpose and mode', () => {
  // A = [1 2 3; 4 5 6], B = [7 8; 9 10; 11 12], A B = [58 64; 139 154].
  const a = Float32Array.of(1, 2, 3, 4, 5, 6);
  const aT = Float32Array.of(1, 4, 2, 5, 3, 6);
  const b = Float32Array.of(7, 8, 9, 10, 11, 12);
  const bT = Float32Array.of(7, 9, 11, 8, 10, 12);
  for (const [x, y, transposeA, transposeB] of [
    [a, b, false, false],
    [aT, b, true, false],
    [a, bT, false, true],
    [aT, bT, true, true],
  ] as const) {
    const c = new Float32Array(4);
    backend.gemm({ m: 2, n: 2, k: 3, a: x, b: y, c, transposeA, transposeB });
    assert.deepEqual([...c], [58, 64, 139, 154], `transposeA=${transposeA} transposeB=${transposeB}`);
  }
  const c = Float32Array.of(1, 1, 1, 1);
  backend.gemm({ m: 2, n: 2, k: 3, a, b, c, accumulate: true });
  assert.deepEqual([...c], [59, 65, 140, 155]);
  backend.gemm({ m: 2, n: 2, k: 3, a, b, c, bias: Float32Array.of(-100, -154.5), relu: true });
  assert.deepEqual([...c], [0, 0, 39, 0]);
});

test('gather and scatter-add: repeated indices, untouched rows, accumulation', () => {
  const src = Float32Array.of(1, 2, 3, 4, 5, 6); // rows [1 2], [3 4], [5 6]
  const out = new Float32Array(8);
  backend.gatherRows({ src, srcRows: 3, cols: 2, indices: Int32Array.of(2, 0, 2, 1), out });
  assert.deepEqual([...out], [5, 6, 1, 2, 5, 6, 3, 4]);
  backend.gatherRows({ src, srcRows: 3, cols: 2, indices: Int32Array.of(0, 0, 0, 0), out, accumulate: true });
  assert.deepEqual([...out], [6, 8, 2, 4, 6, 8, 4, 6]);
  const sums = Float32Array.of(9, 9, 9, 9, 9, 9, 9, 9);
  backend.scatterAddRows({ src, cols: 2, indices: Int32Array.of(3, 0, 3), out: sums, outRows: 4 });
  assert.deepEqual([...sums], [3, 4, 0, 0, 0, 0, 6, 8]);
  backend.scatterAddRows({
    src,
    cols: 2,
    indices: Int32Array.of(1, 1, 1),
    out: sums,
    outRows: 4,
    accumulate: true,
  });
  assert.deepEqual([...sums], [3, 4, 9, 12, 0, 0, 6, 8]);
});

test('row index: each row lists exactly its sources, in increasing order', () => {
  const rng = new Random(3);
  for (const [count, rows] of [
    [0, 3],
    [1, 1],
    [50, 7],
    [1000, 300],
  ]) {
    const indices = randomIndices(rng, count, rows);
    const offsets = new Int32Array(rows + 1).fill(-7);
    const order = new Int32Array(count).fill(-7);
    buildRowIndex(indices, rows, offsets, order);
    for (let r = 0; r < rows; r++) {
      const expected = [...indices.keys()].filter((e) => indices[e] === r);
      assert.deepEqual([...order.subarray(offsets[r], offsets[r + 1])], expected, `row ${r} of ${rows}`);
    }
    assert.equal(offsets[0], 0);
    assert.equal(offsets[rows], count);
  }
});
