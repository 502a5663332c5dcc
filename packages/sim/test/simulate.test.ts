import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ObjectKind, type ObjectSimulation, simulateObject } from '../src/simulate.js';
import { rigidResidual } from './rigid-residual.js';

const FRAMES = 60;
const RADIUS: Record<ObjectKind, number> = { rope: 0.01, cloth: 0.0015, plush: 0.005 };

// Simulated once and shared by the tests below (each episode takes a fraction of a second).
const runs = new Map<string, ObjectSimulation>();
function run(kind: ObjectKind, seed: number): ObjectSimulation {
  const key = `${kind}/${seed}`;
  let sim = runs.get(key);
  if (sim === undefined) {
    sim = simulateObject(kind, { frames: FRAMES, seed });
    runs.set(key, sim);
  }
  return sim;
}

const KINDS: ObjectKind[] = ['rope', 'cloth', 'plush'];

test('episodes have one state per frame and consistent shapes', () => {
  for (const kind of KINDS) {
    const sim = run(kind, 1);
    assert.equal(sim.particles.length, FRAMES);
    assert.equal(sim.endEffector.length, FRAMES);
    assert.equal(sim.surface.vertices.length, FRAMES);
    const vertexCount = sim.surface.uvs.length / 2;
    for (let f = 0; f < FRAMES; f++) {
      assert.equal(sim.particles[f].length, 3 * sim.particleCount);
      assert.equal(sim.surface.vertices[f].length, 3 * vertexCount);
    }
    for (const i of sim.surface.triangles) assert.ok(i < vertexCount);
    assert.ok(sim.pushes.length >= 1, `${kind}: at least one push in 4 s`);
    for (const push of sim.pushes) {
      assert.ok(push.startFrame >= 0 && push.endFrame > push.startFrame && push.endFrame < FRAMES);
      assert.equal(push.direction[2], 0);
      assert.ok(Math.abs(Math.hypot(...push.direction) - 1) < 1e-12);
      assert.ok(push.length > 0 && push.length <= 0.2 + 1e-9);
      const tip = sim.endEffector[push.startFrame];
      assert.deepEqual(tip, push.start, 'the end-effector is at the push start when the push starts');
      const end = sim.endEffector[push.endFrame];
      const speed =
        Math.hypot(end[0] - tip[0], end[1] - tip[1]) / ((push.endFrame - push.startFrame) / sim.fps);
      assert.ok(speed > 0.06 && speed < 0.1, `push speed ${speed} m/s`);
    }
  }
});

test('rope: the centre line stays within 2% of its rest length at every frame', () => {
  const sim = run('rope', 1);
  const rest = sim.restLength ?? Number.NaN;
  for (const x of sim.particles) {
    let length = 0;
    for (let i = 3; i < x.length; i += 3)
      length += Math.hypot(x[i] - x[i - 3], x[i + 1] - x[i - 2], x[i + 2] - x[i - 1]);
    assert.ok(Math.abs(length / rest - 1) < 0.02, `length ${length}, rest ${rest}`);
  }
});

test('nothing goes below the table: particle surfaces and skin vertices stay above -1 mm', () => {
  for (const kind of KINDS) {
    const sim = run(kind, 1);
    for (let f = 0; f < FRAMES; f++) {
      const x = sim.particles[f];
      for (let i = 2; i < x.length; i += 3)
        assert.ok(x[i] - RADIUS[kind] > -0.001, `${kind} particle, frame ${f}`);
      const v = sim.surface.vertices[f];
      for (let i = 2; i < v.length; i += 3) assert.ok(v[i] > -0.001, `${kind} vertex, frame ${f}: ${v[i]}`);
    }
  }
});

test('no explosion: everything finite, no particle faster than 2 m/s, frame 0 at rest', () => {
  for (const kind of KINDS) {
    const sim = run(kind, 1);
    for (let f = 0; f < FRAMES; f++) {
      const x = sim.particles[f];
      for (const value of x) assert.ok(Number.isFinite(value));
      for (const value of sim.surface.vertices[f]) assert.ok(Number.isFinite(value));
      if (f === 0) continue;
      const p = sim.particles[f - 1];
      for (let i = 0; i < x.length; i += 3) {
        const speed = Math.hypot(x[i] - p[i], x[i + 1] - p[i + 1], x[i + 2] - p[i + 2]) * sim.fps;
        assert.ok(speed < 2, `${kind} frame ${f}: ${speed} m/s`);
      }
    }
    // The pusher reaches the object only a few frames into the first push: the object is still at rest then.
    const first = sim.particles[0];
    const second = sim.particles[1];
    for (let i = 0; i < first.length; i++)
      assert.ok(Math.abs(first[i] - second[i]) < 2e-4, `${kind} settles`);
  }
});

test('every push makes contact: some particle moves more than 1 cm during each push', () => {
  for (const [kind, seeds] of [
    ['rope', [1, 2, 3, 4]],
    ['cloth', [1, 2, 3]],
    ['plush', [1, 2]],
  ] as const) {
    for (const seed of seeds) {
      const sim = run(kind, seed);
      for (const push of sim.pushes) {
        const a = sim.particles[push.startFrame];
        const b = sim.particles[push.endFrame];
        let moved = 0;
        for (let i = 0; i < a.length; i += 3)
          moved = Math.max(moved, Math.hypot(b[i] - a[i], b[i + 1] - a[i + 1], b[i + 2] - a[i + 2]));
        assert.ok(moved > 0.01, `${kind} seed ${seed} push at frame ${push.startFrame}: moved ${moved}`);
      }
    }
  }
});

test('the plush keeps its shape: rigidly aligned to frame 0, particles stay within a few millimetres', () => {
  const sim = run('plush', 1);
  const rest = sim.particles[0];
  for (const f of [20, 40, FRAMES - 1]) {
    const mean = rigidResidual(rest, sim.particles[f]);
    assert.ok(mean < 0.004, `frame ${f}: mean deviation from the rigidly moved rest shape ${mean} m`);
  }
});

test('determinism: the same seed gives identical arrays, another seed differs', () => {
  const a = run('rope', 1);
  const b = simulateObject('rope', { frames: FRAMES, seed: 1 });
  for (let f = 0; f < FRAMES; f++) {
    assert.deepEqual(a.particles[f], b.particles[f]);
    assert.deepEqual(a.surface.vertices[f], b.surface.vertices[f]);
    assert.deepEqual(a.endEffector[f], b.endEffector[f]);
  }
  assert.deepEqual(a.pushes, b.pushes);
  assert.deepEqual(a.surface.texture.data, b.surface.texture.data);
  const c = run('rope', 2);
  assert.notDeepEqual(a.particles[0], c.particles[0]);
  assert.notDeepEqual(a.surface.texture.data, c.surface.texture.data);
});

test('bad options are rejected naming the field', () => {
  assert.throws(() => simulateObject('rope', { frames: 0, seed: 1 }), /options\.frames/);
  assert.throws(() => simulateObject('rope', { frames: 5, seed: 1.5 }), /options\.seed/);
  assert.throws(() => simulateObject('rope', { frames: 5, seed: 1, substeps: 0 }), /options\.substeps/);
  assert.throws(() => simulateObject('sponge' as ObjectKind, { frames: 5, seed: 1 }), /kind/);
});
