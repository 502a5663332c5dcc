import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { symmetricEigen } from '../../src/optim/symmetric-eigen.js';

test('symmetricEigen: closed form of a 2 x 2 matrix', () => {
  // [[2, 1], [1, 2]] has eigenvalues 1 and 3 with eigenvectors (1, -1) / sqrt 2 and (1, 1) / sqrt 2.
  const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
  assert.ok(Math.abs(values[0] - 1) < 1e-14 && Math.abs(values[1] - 3) < 1e-14);
  assert.ok(Math.abs(Math.abs(vectors[0]) - Math.SQRT1_2) < 1e-14);
  assert.ok(Math.abs(vectors[0] + vectors[2]) < 1e-14, 'first eigenvector is along (1, -1)');
  assert.ok(Math.abs(vectors[1] - vectors[3]) < 1e-14, 'second eigenvector is along (1, 1)');
});

test('symmetricEigen reconstructs random symmetric matrices with orthonormal eigenvectors', () => {
  const rng = new Random(31);
  for (const n of [1, 3, 6, 12]) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = i; j < n; j++) {
        const v = rng.normal();
        a[i * n + j] = v;
        a[j * n + i] = v;
      }
    const { values, vectors: V } = symmetricEigen(a, n);
    for (let k = 1; k < n; k++) assert.ok(values[k] >= values[k - 1], 'ascending');
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let rec = 0;
        let gram = 0;
        for (let k = 0; k < n; k++) {
          rec += V[i * n + k] * values[k] * V[j * n + k];
          gram += V[k * n + i] * V[k * n + j];
        }
        assert.ok(Math.abs(rec - a[i * n + j]) < 1e-12, `A[${i}][${j}] n=${n}`);
        assert.ok(Math.abs(gram - (i === j ? 1 : 0)) < 1e-12, `V^T V n=${n}`);
      }
    // The trace is the sum of the eigenvalues.
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    assert.ok(Math.abs(trace - values.reduce((s, v) => s + v, 0)) < 1e-12);
  }
});

test('symmetricEigen rejects bad input', () => {
  assert.throws(() => symmetricEigen([1, 2, 3], 2), /n \* n = 4/);
  assert.throws(() => symmetricEigen([1, Number.NaN, 0, 1], 2), /matrix\[0\]\[1\] must be finite/);
});
