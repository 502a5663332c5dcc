import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLOTH } from '../src/objects/cloth.js';
import { type ObjectSimulation, simulateObject } from '../src/simulate.js';
import { rigidResidual } from './rigid-residual.js';

const FRAMES = 60;
const SEEDS = [2, 3, 5];
const runs = SEEDS.map((seed) => ({ seed, sim: simulateObject('cloth', { frames: FRAMES, seed }) }));

function meanEdgeLength(x: Float32Array): number {
  const n = CLOTH.resolution;
  let sum = 0;
  let count = 0;
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < n; k++) {
      const p = 3 * (r * n + k);
      for (const q of [k + 1 < n ? p + 3 : -1, r + 1 < n ? p + 3 * n : -1]) {
        if (q < 0) continue;
        sum += Math.hypot(x[p] - x[q], x[p + 1] - x[q + 1], x[p + 2] - x[q + 2]);
        count++;
      }
    }
  }
  return sum / count;
}

function highest(x: Float32Array): number {
  let top = Number.NEGATIVE_INFINITY;
  for (let i = 2; i < x.length; i += 3) top = Math.max(top, x[i]);
  return top;
}

test('the rigid residual oracle: zero for a rigidly moved cloth, positive for a bent one', () => {
  const rest = runs[0].sim.particles[0];
  const turn = 0.7;
  const moved = new Float32Array(rest.length);
  for (let i = 0; i < rest.length; i += 3) {
    moved[i] = Math.cos(turn) * rest[i] - Math.sin(turn) * rest[i + 1] + 0.1;
    moved[i + 1] = Math.sin(turn) * rest[i] + Math.cos(turn) * rest[i + 1] - 0.05;
    moved[i + 2] = rest[i + 2] + 0.02;
  }
  assert.ok(rigidResidual(rest, moved) < 1e-6);
  const bent = Float32Array.from(moved, (v, i) => (i % 3 === 2 ? v + 0.2 * (moved[i - 2] - 0.1) ** 2 : v));
  assert.ok(rigidResidual(rest, bent) > 1e-3);
});

test('a pushed cloth buckles: it rises out of plane by more than 1 cm during a push', () => {
  for (const { seed, sim } of runs) {
    const flat = highest(sim.particles[0]);
    let rise = 0;
    for (const push of sim.pushes) {
      for (let f = push.startFrame; f <= push.endFrame; f++)
        rise = Math.max(rise, highest(sim.particles[f]) - flat);
    }
    assert.ok(rise > 0.01, `seed ${seed}: highest particle rose ${rise} m above its rest height`);
    // Frame 0 lies nearly flat: the seeded drape is a few millimetres high at most.
    assert.ok(flat - CLOTH.thickness < 0.008, `seed ${seed}: frame 0 top at ${flat} m`);
  }
});

test('a pushed cloth does not just slide: past the best rigid motion, its particles are > 5 mm off on average', () => {
  for (const { seed, sim } of runs) {
    const residuals = sim.pushes.map((push) => rigidResidual(sim.particles[0], sim.particles[push.endFrame]));
    assert.ok(
      Math.max(...residuals) > 0.005,
      `seed ${seed}: residuals at the ends of the pushes ${residuals}`,
    );
  }
});

test('the cloth stays nearly inextensible: the mean edge length stays within 5% of rest at every frame', () => {
  const rest = CLOTH.size / (CLOTH.resolution - 1);
  for (const { seed, sim } of runs) {
    for (let f = 0; f < FRAMES; f++) {
      const mean = meanEdgeLength(sim.particles[f]);
      assert.ok(
        Math.abs(mean / rest - 1) < 0.05,
        `seed ${seed} frame ${f}: mean edge ${mean} m, rest ${rest} m`,
      );
    }
  }
});

test('the deformed cloth stays on and above the table, with no particle faster than 2 m/s', () => {
  for (const { seed, sim } of runs) {
    const check = (s: ObjectSimulation, f: number) => {
      const x = s.particles[f];
      for (let i = 2; i < x.length; i += 3) assert.ok(x[i] > 0, `seed ${seed} frame ${f}: z = ${x[i]}`);
      if (f === 0) return;
      const p = s.particles[f - 1];
      for (let i = 0; i < x.length; i += 3) {
        const speed = Math.hypot(x[i] - p[i], x[i + 1] - p[i + 1], x[i + 2] - p[i + 2]) * s.fps;
        assert.ok(speed < 2, `seed ${seed} frame ${f}: ${speed} m/s`);
      }
    };
    for (let f = 0; f < FRAMES; f++) check(sim, f);
  }
});
