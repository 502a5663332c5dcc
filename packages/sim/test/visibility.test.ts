import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lookAt, type PinholeCamera } from '@gsdyn/geometry';
import { renderScene } from '../src/render/rasterizer.js';
import { pointVisibility } from '../src/render/visibility.js';
import { makeSolidTexture } from '../src/scene/checker-texture.js';
import { makeUvSphere } from '../src/scene/sphere.js';
import { makeTable } from '../src/scene/table.js';

const cam: PinholeCamera = {
  width: 64,
  height: 48,
  fx: 50,
  fy: 50,
  cx: 31.5,
  cy: 23.5,
  worldToCamera: lookAt([0.5, 0, 0.4], [0, 0, 0]),
};

test('a table point is visible, hidden behind an occluder, and outside the image it is not', () => {
  const target = new Float32Array([0, 0, 0]); // the table centre, where the camera looks
  const outside = new Float32Array([0, 0.6, 0]); // on the table but far off to the side
  const behind = new Float32Array([-0.3, 0, 0.4]); // behind the camera
  const points = new Float32Array([...target, ...outside, ...behind]);
  const table = makeTable();
  const clear = renderScene([table], cam, { supersample: 1 });
  assert.deepEqual([...pointVisibility(points, cam, clear.depth)], [1, 0, 0]);

  // A ball on the line of sight between the camera and the table centre.
  const ball = makeUvSphere([0.25, 0, 0.2], 0.05, 24, 12, makeSolidTexture([200, 0, 0]));
  const blocked = renderScene([table, ball], cam, { supersample: 1 });
  assert.deepEqual([...pointVisibility(points, cam, blocked.depth)], [0, 0, 0]);

  // A point on the ball's surface facing the camera is visible; its antipode is not.
  const toCam = [0.5 - 0.25, 0, 0.4 - 0.2];
  const l = Math.hypot(...toCam);
  const near = toCam.map((c, k) => [0.25, 0, 0.2][k] + (0.05 * c) / l);
  const far = toCam.map((c, k) => [0.25, 0, 0.2][k] - (0.05 * c) / l);
  assert.deepEqual(
    [...pointVisibility(new Float32Array([...near, ...far]), cam, blocked.depth, 0.003)],
    [1, 0],
  );
});

test('tolerance decides: a point floating 5 mm above the rendered surface fails 3 mm and passes 1 cm', () => {
  const clear = renderScene([makeTable()], cam, { supersample: 1 });
  const p = new Float32Array([0.02, 0.01, 0.005]);
  assert.equal(pointVisibility(p, cam, clear.depth, 0.003)[0], 0);
  assert.equal(pointVisibility(p, cam, clear.depth, 0.01)[0], 1);
});

test('on a slanted surface a point between pixel centres is still seen (depth interpolated, not just nearest)', () => {
  // Coarse camera: the table's depth changes by ~1 cm per pixel, so the nearest centre alone misses by ~5 mm.
  const clear = renderScene([makeTable()], cam, { supersample: 1 });
  const points: number[] = [];
  for (let k = 0; k < 50; k++) points.push(-0.1 + 0.004 * k, 0.037 - 0.0017 * k, 0);
  const vis = pointVisibility(new Float32Array(points), cam, clear.depth, 0.001);
  assert.equal(
    vis.reduce((a, b) => a + b, 0),
    50,
  );
});

test('with the object mask, only points depicted by an object pixel count: a silhouette point over the table does not', () => {
  // A ball on the table seen by a camera; the table sits behind its silhouette.
  const ball = makeUvSphere([0, 0, 0.05], 0.05, 48, 24, makeSolidTexture([200, 0, 0]));
  const r = renderScene([makeTable(), ball], cam, { supersample: 1 });
  // Sweep points along the ball's apparent rim: those whose pixel centre falls on the table are depicted by the
  // table, not the ball.
  const eye = [0.5, 0, 0.4];
  const c = [0, 0, 0.05];
  const view = eye.map((e, k) => e - c[k]);
  const vl = Math.hypot(...view);
  const n = view.map((x) => x / vl);
  // An orthonormal basis of the plane perpendicular to the view direction: the rim lies in it.
  const e1 = [n[1], -n[0], 0].map((x) => x / Math.hypot(n[0], n[1]));
  const e2 = [n[1] * e1[2] - n[2] * e1[1], n[2] * e1[0] - n[0] * e1[2], n[0] * e1[1] - n[1] * e1[0]];
  const rim: number[] = [];
  for (let a = 0; a < 72; a++) {
    const phi = (a / 72) * 2 * Math.PI;
    // On the rim, nudged 1.5 mm towards the camera so the point is on the visible side of the tessellated ball.
    for (let k = 0; k < 3; k++)
      rim.push(c[k] + 0.0495 * (Math.cos(phi) * e1[k] + Math.sin(phi) * e2[k]) + 0.0015 * n[k]);
  }
  const points = new Float32Array(rim);
  const loose = pointVisibility(points, cam, r.depth, 0.003);
  const strict = pointVisibility(points, cam, r.depth, 0.003, r.mask);
  let looseCount = 0;
  let strictCount = 0;
  for (let k = 0; k < strict.length; k++) {
    assert.ok(strict[k] <= loose[k], 'the mask can only remove points');
    looseCount += loose[k];
    strictCount += strict[k];
    if (strict[k]) {
      const x = points.subarray(3 * k, 3 * k + 3);
      const m = cam.worldToCamera;
      const zc = m[8] * x[0] + m[9] * x[1] + m[10] * x[2] + m[11];
      const u = Math.round((cam.fx * (m[0] * x[0] + m[1] * x[1] + m[2] * x[2] + m[3])) / zc + cam.cx);
      const v = Math.round((cam.fy * (m[4] * x[0] + m[5] * x[1] + m[6] * x[2] + m[7])) / zc + cam.cy);
      assert.equal(
        r.mask[v * cam.width + u],
        255,
        `point ${k} is visible but its pixel is not an object pixel`,
      );
    }
  }
  assert.ok(strictCount < looseCount, `mask removed nothing (${strictCount} of ${looseCount})`);
});
