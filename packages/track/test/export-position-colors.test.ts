import assert from 'node:assert/strict';
import { test } from 'node:test';
import { positionColors } from '../src/export/position-colors.js';
import { randomPoints } from './export-fixtures.js';

const distance = (c: Float32Array, i: number, j: number) =>
  Math.hypot(c[3 * i] - c[3 * j], c[3 * i + 1] - c[3 * j + 1], c[3 * i + 2] - c[3 * j + 2]);

test('positionColors are in [0, 1] and never black', () => {
  const colors = positionColors(randomPoints(500, 1));
  assert.equal(colors.length, 1500);
  for (const v of colors) assert.ok(v >= 0.2 - 1e-6 && v <= 1, `${v}`);
});

test('opposite corners of the box get colours far apart, neighbours colours close', () => {
  const p = randomPoints(300, 2);
  // Two probes at opposite corners of the cloud's box, two more a millimetre apart in the middle.
  p.set([-0.08, -0.08, -0.03, 0.08, 0.08, 0.13, 0, 0, 0.05, 0.001, 0, 0.05], 0);
  const colors = positionColors(p);
  // Normalised positions differ by about (1, 1, 1): colours by about 0.8 * sqrt(3).
  assert.ok(distance(colors, 0, 1) > 1.3, `corners ${distance(colors, 0, 1)}`);
  assert.ok(distance(colors, 2, 3) < 0.01, `neighbours ${distance(colors, 2, 3)}`);
  // Points farther apart than 2 cm never share a colour: the map is affine with slope 0.8 / box size.
  let closest = Infinity;
  for (let i = 0; i < 300; i++)
    for (let j = i + 1; j < 300; j++) {
      const d = Math.hypot(p[3 * i] - p[3 * j], p[3 * i + 1] - p[3 * j + 1], p[3 * i + 2] - p[3 * j + 2]);
      if (d > 0.02) closest = Math.min(closest, distance(colors, i, j));
    }
  assert.ok(closest > 0.05, `closest colour pair of points > 2 cm apart: ${closest}`);
});

test('red follows x, green y, blue z; a flat axis maps to the middle; a far outlier does not squash the rest', () => {
  const n = 201;
  const p = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) p.set([i / 200, 1 - i / 200, 0.05], 3 * i);
  p.set([100, 0.5, 0.05], 3 * 100); // a stray Gaussian 100 m away
  const c = positionColors(p);
  assert.ok(Math.abs(c[0] - 0.2) < 0.02 && Math.abs(c[1] - 1) < 0.02, `first ${c.slice(0, 3)}`);
  assert.ok(
    Math.abs(c[3 * 200] - 1) < 0.02 && Math.abs(c[3 * 200 + 1] - 0.2) < 0.02,
    `last ${c.slice(600, 603)}`,
  );
  assert.ok(Math.abs(c[3 * 50] - 0.4) < 0.02, `quarter ${c[150]}`);
  for (let i = 0; i < n; i++) assert.equal(c[3 * i + 2], Math.fround(0.6));
  assert.equal(c[3 * 100], 1, 'the outlier is clamped');
  assert.throws(() => positionColors(new Float32Array(4)), /3 per Gaussian/);
});
