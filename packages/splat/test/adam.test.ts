import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam } from '../src/adam.js';

const close = (a: number, b: number, tol: number, msg?: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), msg ?? `${a} vs ${b}`);

test('steps on a quadratic match the hand-computed torch Adam update (bias corrections, eps outside the sqrt)', () => {
  // f(p) = 0.5 a (p - c)^2, gradient a (p - c); eps = 0.5 is large enough to expose where it enters.
  const a = 3;
  const c = 0.25;
  const lr = 0.1;
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 0.5;
  const params = Float32Array.of(2, -1);
  const adam = new Adam([{ name: 'p', params, lr }], { eps });
  const m = [0, 0];
  const v = [0, 0];
  const p = [2, -1];
  for (let t = 1; t <= 3; t++) {
    const grad = Float32Array.from(params, (x) => a * (x - c));
    adam.step({ p: grad });
    for (let i = 0; i < 2; i++) {
      const g = a * (p[i] - c);
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const mHat = m[i] / (1 - b1 ** t);
      const vHat = v[i] / (1 - b2 ** t);
      p[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
      close(params[i], p[i], 1e-6, `t=${t} i=${i}: ${params[i]} vs ${p[i]}`);
    }
  }
  assert.equal(adam.stepCount, 3);
  // The first step with the reference eps (1e-15) moves every coordinate by lr against its gradient's sign.
  const q = Float32Array.of(5, -5);
  new Adam([{ name: 'q', params: q, lr: 0.01 }]).step({ q: Float32Array.of(2, -7) });
  close(q[0], 4.99, 1e-7);
  close(q[1], -4.99, 1e-7);
});

test('resetMoments zeroes m and v but keeps the step count (the next step uses t + 1)', () => {
  const params = Float32Array.of(1);
  const other = Float32Array.of(1);
  const adam = new Adam([
    { name: 'p', params, lr: 0.1 },
    { name: 'o', params: other, lr: 0.1 },
  ]);
  adam.step({ p: Float32Array.of(1), o: Float32Array.of(1) });
  adam.step({ p: Float32Array.of(2), o: Float32Array.of(1) });
  adam.resetMoments(['p']);
  assert.equal(adam.stepCount, 2);
  assert.deepEqual(Array.from(adam.moments('p').m), [0]);
  assert.deepEqual(Array.from(adam.moments('p').v), [0]);
  assert.notEqual(adam.moments('o').m[0], 0);
  const before = params[0];
  const g = 4;
  adam.step({ p: Float32Array.of(g), o: Float32Array.of(1) });
  // The group's third update, from zero moments: m = 0.1 g, v = 0.001 g^2, bias corrections with t = 3.
  const expected =
    before -
    ((0.1 / (1 - 0.9 ** 3)) * 0.1 * g) / (Math.sqrt(0.001 * g * g) / Math.sqrt(1 - 0.999 ** 3) + 1e-15);
  close(params[0], expected, 1e-6);
  assert.equal(adam.stepCount, 3);
  adam.resetMoments();
  assert.equal(adam.moments('o').v[0], 0);
});

test('a group with lr 0 or without a gradient is untouched (its own step count too); setLearningRate takes effect', () => {
  const p = Float32Array.of(1, 2);
  const q = Float32Array.of(3);
  const adam = new Adam([
    { name: 'p', params: p, lr: 0 },
    { name: 'q', params: q, lr: 0.5 },
  ]);
  adam.step({ p: Float32Array.of(1, 1) });
  assert.deepEqual(Array.from(p), [1, 2]);
  assert.deepEqual(Array.from(adam.moments('p').m), [0, 0]);
  assert.deepEqual(Array.from(q), [3]);
  adam.setLearningRate('p', 0.5);
  adam.step({ p: Float32Array.of(1, -1), q: Float32Array.of(1) });
  close(p[0], 0.5, 1e-6);
  close(p[1], 2.5, 1e-6);
  close(q[0], 2.5, 1e-6);
  assert.equal(adam.learningRate('p'), 0.5);
  assert.throws(() => adam.step({ r: Float32Array.of(1) }), /unknown group 'r'/);
  assert.throws(() => adam.step({ q: Float32Array.of(1, 2) }), /gradient 'q' has 2 values, expected 1/);
  assert.throws(() => adam.setLearningRate('q', -1), /must be >= 0/);
});

test('select and append keep each item with its own moments; params must be re-pointed', () => {
  const n = 5;
  const params = new Float32Array(3 * n);
  const scalars = new Float32Array(n);
  const adam = new Adam([
    { name: 'means', params, lr: 0.01 },
    { name: 'opacity', params: scalars, lr: 0.01 },
    { name: 'camera', params: new Float32Array(2), lr: 0.01 },
  ]);
  const grad = Float32Array.from({ length: 3 * n }, (_, i) => (i + 1) * (i % 2 ? -1 : 1));
  const gradS = Float32Array.from({ length: n }, (_, i) => 10 + i);
  adam.step({ means: grad, opacity: gradS, camera: Float32Array.of(1, 2) });
  adam.step({ means: grad.map((g) => g * 0.5), opacity: gradS, camera: Float32Array.of(1, 2) });
  const oldM = adam.moments('means').m.slice();
  const oldV = adam.moments('means').v.slice();
  const oldS = adam.moments('opacity').m.slice();
  const cameraM = adam.moments('camera').m;

  const keep = Uint32Array.of(4, 0, 2);
  adam.select(keep, { means: 3, opacity: 1 });
  adam.append(1, { means: 3, opacity: 1 });
  const m = adam.moments('means').m;
  const v = adam.moments('means').v;
  assert.equal(m.length, 12);
  for (let j = 0; j < keep.length; j++) {
    for (let k = 0; k < 3; k++) {
      assert.equal(m[3 * j + k], oldM[3 * keep[j] + k]);
      assert.equal(v[3 * j + k], oldV[3 * keep[j] + k]);
    }
    assert.equal(adam.moments('opacity').m[j], oldS[keep[j]]);
  }
  for (let k = 9; k < 12; k++) assert.equal(m[k], 0);
  assert.equal(adam.moments('camera').m, cameraM, 'groups not named are untouched');

  // The old params array no longer matches: stepping before setParams fails loudly.
  assert.throws(() => adam.step({ means: new Float32Array(12) }), /has 15 params but 12 moments/);
  assert.throws(() => adam.setParams('means', new Float32Array(15)), /moments have 12/);
  const next = new Float32Array(12);
  adam.setParams('means', next);
  adam.setParams('opacity', new Float32Array(4));
  assert.equal(adam.params('means'), next);
  adam.step({ means: new Float32Array(12).fill(1) });
  assert.ok(
    next.every((x) => x !== 0),
    'the new array is the one updated',
  );
  // The appended item starts from zero moments, under the group's third bias correction.
  close(next[10], -((0.01 / (1 - 0.9 ** 3)) * 0.1) / (Math.sqrt(0.001) / Math.sqrt(1 - 0.999 ** 3)), 1e-6);
  assert.throws(() => adam.select(Uint32Array.of(9), { means: 3 }), /index 9 out of range/);
  assert.throws(() => adam.select(keep, { nope: 3 }), /no parameter group 'nope'/);
});
