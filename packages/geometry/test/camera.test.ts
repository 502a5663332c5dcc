import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backproject, cameraCentre, lookAt, type PinholeCamera, project } from '../src/camera.js';
import { checkRigid } from '../src/mat4.js';

const cam: PinholeCamera = {
  width: 640,
  height: 480,
  fx: 600,
  fy: 610,
  cx: 319.5,
  cy: 239.5,
  worldToCamera: lookAt([0.3, -0.4, 0.5], [0, 0, 0]),
};

test('lookAt gives a rigid world-to-camera whose centre is the eye', () => {
  assert.equal(checkRigid(cam.worldToCamera), undefined);
  const c = cameraCentre(cam);
  assert.ok(Math.abs(c[0] - 0.3) < 1e-12 && Math.abs(c[1] + 0.4) < 1e-12 && Math.abs(c[2] - 0.5) < 1e-12);
});

test('the target projects onto the principal point, and up in the world is up in the image', () => {
  const p = project(cam, [0, 0, 0]);
  assert.ok(Math.abs(p.u - cam.cx) < 1e-9 && Math.abs(p.v - cam.cy) < 1e-9);
  assert.ok(Math.abs(p.z - Math.hypot(0.3, 0.4, 0.5)) < 1e-12);
  const above = project(cam, [0, 0, 0.05]);
  assert.ok(above.v < p.v, 'a point above the target must appear higher (smaller v)');
});

test('backproject inverts project', () => {
  const world: [number, number, number] = [0.05, 0.02, 0.01];
  const p = project(cam, world);
  const back = backproject(cam, p.u, p.v, p.z);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(back[i] - world[i]) < 1e-12);
});
