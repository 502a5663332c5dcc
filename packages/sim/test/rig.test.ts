import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cameraCentre, checkRigid, project } from '@gsdyn/geometry';
import { makeCameraRig } from '../src/rig.js';

test('four rigid cameras at the workspace corners see its centre at the principal point and the whole object area', () => {
  const rig = makeCameraRig({ width: 320, height: 240 });
  assert.deepEqual(
    rig.map((c) => c.id),
    ['cam0', 'cam1', 'cam2', 'cam3'],
  );
  for (const cam of rig) {
    assert.equal(checkRigid(cam.worldToCamera, 1e-9), undefined);
    assert.equal(cam.cx, 159.5);
    assert.equal(cam.cy, 119.5);
    assert.ok(Math.abs(cam.fx - 192.5) < 1e-9 && Math.abs(cam.fy - 192.5) < 1e-9);
    const c = project(cam, [0, 0, 0]);
    assert.ok(Math.abs(c.u - cam.cx) < 1e-9 && Math.abs(c.v - cam.cy) < 1e-9);
    // The object area: |x| <= 0.2 m, |y| <= 0.25 m, from the table up to 8 cm, is inside every image.
    for (let x = -0.2; x <= 0.2 + 1e-9; x += 0.02)
      for (let y = -0.25; y <= 0.25 + 1e-9; y += 0.025)
        for (const z of [0, 0.08]) {
          const p = project(cam, [x, y, z]);
          assert.ok(
            p.z > 0 && p.u >= 0 && p.u <= 319 && p.v >= 0 && p.v <= 239,
            `${cam.id} sees (${x.toFixed(3)}, ${y.toFixed(3)}, ${z}) at ${p.u}, ${p.v}`,
          );
        }
    // Image up is world up: a point above the centre appears higher in the image.
    assert.ok(project(cam, [0, 0, 0.1]).v < c.v);
    const eye = cameraCentre(cam);
    assert.ok(Math.abs(eye[2] - 0.5) < 1e-9, `${cam.id} height ${eye[2]}`);
    assert.ok(
      Math.abs(Math.abs(eye[0]) - 0.3) < 1e-9 && Math.abs(Math.abs(eye[1]) - 0.4) < 1e-9,
      `${cam.id} at ${eye}`,
    );
  }
  // One at each corner direction of the workspace.
  const quadrants = new Set(rig.map((cam) => cameraCentre(cam).map(Math.sign).slice(0, 2).join(',')));
  assert.equal(quadrants.size, 4);
});

test('intrinsics scale with the image size and 1..8 views are supported', () => {
  const big = makeCameraRig({ width: 640, height: 480, views: 2 });
  assert.equal(big.length, 2);
  assert.equal(big[0].fx, 385);
  assert.equal(big[0].cx, 319.5);
  const eight = makeCameraRig({ width: 64, height: 48, views: 8 });
  assert.equal(eight.length, 8);
  assert.equal(
    new Set(
      eight.map((c) =>
        cameraCentre(c)
          .map((v) => v.toFixed(6))
          .join(),
      ),
    ).size,
    8,
  );
  for (const cam of eight) {
    const c = project(cam, [0, 0, 0]);
    assert.ok(Math.abs(c.u - cam.cx) < 1e-9 && Math.abs(c.v - cam.cy) < 1e-9);
  }
  // The first views of a larger rig are the same cameras.
  const four = makeCameraRig({ width: 64, height: 48 });
  assert.deepEqual([...four[3].worldToCamera], [...eight[3].worldToCamera]);
  assert.throws(() => makeCameraRig({ width: 64, height: 48, views: 9 }), /views/);
  assert.throws(() => makeCameraRig({ width: 0, height: 48 }), /width/);
});
