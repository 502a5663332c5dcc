import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { buildSpringGraph } from '../../src/baseline/spring-graph.js';

test('buildSpringGraph on a line: each particle joins its nearest neighbours within the radius', () => {
  // 6 particles 1 cm apart; radius 2.5 cm, 2 neighbours: i joins i +- 1 (ties at 1 cm broken by index), so the
  // union is the chain plus the (i, i + 2) pairs that some end particle chose.
  const x = new Float64Array(18);
  for (let i = 0; i < 6; i++) x[3 * i] = 0.01 * i;
  const g = buildSpringGraph(x, 0.025, 2);
  const pairs = Array.from({ length: g.count }, (_, s) => `${g.a[s]}-${g.b[s]}`);
  assert.deepEqual(pairs, ['0-1', '0-2', '1-2', '2-3', '3-4', '3-5', '4-5']);
  for (let s = 0; s < g.count; s++)
    assert.ok(
      Math.abs(g.restLength[s] - 0.01 * (g.b[s] - g.a[s])) < 1e-12,
      'rest length is the current distance',
    );
});

test('buildSpringGraph matches a brute-force k-nearest-within-radius union on random points', () => {
  const rng = new Random(43);
  const n = 60;
  const x = new Float64Array(3 * n).map(() => rng.uniform(0, 0.2));
  const radius = 0.06;
  const k = 5;
  const g = buildSpringGraph(x, radius, k);
  const expected = new Set<string>();
  for (let i = 0; i < n; i++) {
    const near = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = Math.hypot(x[3 * i] - x[3 * j], x[3 * i + 1] - x[3 * j + 1], x[3 * i + 2] - x[3 * j + 2]);
      if (d <= radius) near.push({ j, d });
    }
    near.sort((p, q) => p.d - q.d);
    for (const { j } of near.slice(0, k)) expected.add(`${Math.min(i, j)}-${Math.max(i, j)}`);
  }
  const got = new Set(Array.from({ length: g.count }, (_, s) => `${g.a[s]}-${g.b[s]}`));
  assert.deepEqual(got, expected);
  for (let s = 0; s < g.count; s++) assert.ok(g.a[s] < g.b[s] && g.restLength[s] <= radius);
});
