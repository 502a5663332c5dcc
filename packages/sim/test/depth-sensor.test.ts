import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { depthToMillimetres } from '../src/render/depth-sensor.js';

function constantDepth(z: number, n: number): Float32Array {
  return new Float32Array(n).fill(z);
}

test('noise disabled: exact rounding to millimetres, zeros stay zero, out-of-range reads 0', () => {
  const depth = new Float32Array([0, 0.5, 0.5004, 0.5006, 1.2345, 0, 70, -1, Number.NaN]);
  const mm = depthToMillimetres(depth, { enabled: false }, new Random(3));
  assert.deepEqual([...mm], [0, 500, 500, 501, Math.round(depth[4] * 1000), 0, 0, 0, 0]);
});

test('noise enabled: the empirical std-dev follows sigmaAt1m * z^2 at 0.5 m and 1 m', () => {
  const sigmaAt1m = 0.002;
  for (const z of [0.5, 1]) {
    const n = 40000;
    const mm = depthToMillimetres(constantDepth(z, n), { sigmaAt1m }, new Random(11));
    let sum = 0;
    let sum2 = 0;
    for (const v of mm) {
      sum += v;
      sum2 += v * v;
    }
    const mean = sum / n;
    // Sheppard's correction removes the variance that rounding to whole millimetres adds (1/12 mm^2).
    const std = Math.sqrt(sum2 / n - mean * mean - 1 / 12);
    const expected = sigmaAt1m * z * z * 1000;
    assert.ok(
      Math.abs(std - expected) < 0.2 * expected,
      `z=${z}: std ${std.toFixed(3)} mm, expected ${expected}`,
    );
    assert.ok(Math.abs(mean - z * 1000) < 0.05, `z=${z}: mean ${mean}`);
  }
});

test('zeros stay zero with noise, dropout makes holes at the requested rate, same seed same bytes', () => {
  const depth = new Float32Array(20000);
  for (let k = 0; k < depth.length; k++) depth[k] = k % 4 === 0 ? 0 : 0.6 + (k % 7) * 0.05;
  const a = depthToMillimetres(depth, { sigmaAt1m: 0.003, dropout: 0.1 }, new Random(5));
  const b = depthToMillimetres(depth, { sigmaAt1m: 0.003, dropout: 0.1 }, new Random(5));
  const c = depthToMillimetres(depth, { sigmaAt1m: 0.003, dropout: 0.1 }, new Random(6));
  assert.deepEqual(Buffer.from(a.buffer), Buffer.from(b.buffer));
  assert.notDeepEqual(Buffer.from(a.buffer), Buffer.from(c.buffer));
  let holes = 0;
  for (let k = 0; k < depth.length; k++) {
    if (depth[k] === 0) assert.equal(a[k], 0);
    else if (a[k] === 0) holes++;
  }
  const rate = holes / 15000;
  assert.ok(Math.abs(rate - 0.1) < 0.015, `dropout rate ${rate}`);
});

test('bad options are rejected', () => {
  assert.throws(() => depthToMillimetres(new Float32Array(1), { dropout: 2 }, new Random(1)), /dropout/);
  assert.throws(() => depthToMillimetres(new Float32Array(1), { sigmaAt1m: -1 }, new Random(1)), /sigmaAt1m/);
});
