import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { selectWindows, type WindowOptions } from '../../src/dataset/windows.js';

const options: WindowOptions = { stepDistance: 1, history: 3, horizon: 5, padding: 'repeat' };

/** An end effector moving along x through the given positions. */
function alongX(xs: number[]): Float32Array {
  return Float32Array.from(xs.flatMap((x) => [x, 0, 0]));
}

function rows(w: { frames: Int32Array; count: number }): number[][] {
  return Array.from({ length: w.count }, (_, i) => [...w.frames.subarray(8 * i, 8 * i + 8)]);
}

test('half a step per frame: every window takes every second frame; short ones repeat their end frame', () => {
  // 21 frames, x = 0.5 t: a step (1) is two frames.
  const eef = alongX(Array.from({ length: 21 }, (_, t) => 0.5 * t));
  const w = rows(selectWindows(eef, options));
  assert.equal(w.length, 21);
  assert.deepEqual(w[10], [6, 8, 10, 12, 14, 16, 18, 20]);
  assert.deepEqual(w[4], [0, 2, 4, 6, 8, 10, 12, 14]);
  // History cut short by the start: the oldest frame found is repeated in front.
  assert.deepEqual(w[0], [0, 0, 0, 2, 4, 6, 8, 10]);
  assert.deepEqual(w[3], [1, 1, 3, 5, 7, 9, 11, 13]);
  // Future cut short by the end: the last frame found is repeated.
  assert.deepEqual(w[11], [7, 9, 11, 13, 15, 17, 19, 19]);
  assert.deepEqual(w[20], [16, 18, 20, 20, 20, 20, 20, 20]);
  // Complete windows: frames 4..10.
  const dropped = selectWindows(eef, { ...options, padding: 'drop' });
  assert.equal(dropped.count, 7);
  assert.equal(dropped.padded, 14);
  assert.deepEqual(rows(dropped)[0], w[4]);
  assert.deepEqual(rows(dropped)[6], w[10]);
});

test('the last frame is accepted at 0.75 of a step, other frames are not', () => {
  const steps = [0, 1, 2, 3, 4, 5, 6, 7];
  assert.deepEqual(rows(selectWindows(alongX([...steps, 7.75]), options))[3], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(rows(selectWindows(alongX([...steps, 7.5]), options))[3], [1, 2, 3, 4, 5, 6, 7, 7]);
  // 0.75 of a step in the middle of the episode is skipped; the next frame (1.75 from frame 2) is taken.
  const middle = alongX([0, 1, 2, 2.75, 3.75, 4.75, 5.75, 6.75, 7.75, 8.75]);
  assert.deepEqual(rows(selectWindows(middle, options))[2], [0, 1, 2, 4, 5, 6, 7, 8]);
});

test('a resting end effector gives only padded windows', () => {
  const still = alongX(new Array(6).fill(0.3));
  const w = selectWindows(still, options);
  assert.equal(w.count, 6);
  assert.equal(w.padded, 6);
  assert.deepEqual(rows(w)[4], [4, 4, 4, 4, 4, 4, 4, 4]);
  assert.equal(selectWindows(still, { ...options, padding: 'drop' }).count, 0);
});

test('moves of exactly one step survive float32 rounding', () => {
  const eef = alongX(Array.from({ length: 12 }, (_, t) => 0.01 * t));
  const raw = Array.from({ length: 11 }, (_, t) => eef[3 * t + 3] - eef[3 * t]);
  assert.ok(
    raw.some((d) => d < 0.01),
    'some float32 steps are below 0.01',
  );
  const w = rows(selectWindows(eef, { ...options, stepDistance: 0.01 }));
  assert.deepEqual(w[2], [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('random walks: accepted frames are a step apart and windows are centred on their frame', () => {
  const rng = new Random(3);
  const T = 80;
  const xyz: number[] = [0, 0, 0];
  for (let t = 1; t < T; t++)
    for (let a = 0; a < 3; a++) xyz.push(xyz[3 * (t - 1) + a] + rng.uniform(-0.6, 0.8));
  const eef = Float32Array.from(xyz);
  const d = (a: number, b: number) =>
    Math.hypot(eef[3 * a] - eef[3 * b], eef[3 * a + 1] - eef[3 * b + 1], eef[3 * a + 2] - eef[3 * b + 2]);
  const w = rows(selectWindows(eef, options));
  assert.equal(w.length, T);
  w.forEach((frames, c) => {
    assert.equal(frames[2], c);
    for (let i = 1; i < 8; i++) {
      assert.ok(frames[i] >= frames[i - 1]);
      if (frames[i] !== frames[i - 1]) {
        const threshold = frames[i] === T - 1 && i > 2 ? 0.75 : 1;
        assert.ok(d(frames[i], frames[i - 1]) >= threshold * (1 - 1e-6), `window ${c}: ${frames}`);
      }
    }
  });
});

test('selectWindows rejects bad arguments', () => {
  assert.throws(() => selectWindows(new Float32Array(0), options), RangeError);
  assert.throws(() => selectWindows(new Float32Array(4), options), RangeError);
  assert.throws(() => selectWindows(alongX([0, 1]), { ...options, stepDistance: 0 }), RangeError);
  assert.throws(() => selectWindows(alongX([0, 1]), { ...options, horizon: 0 }), RangeError);
});
