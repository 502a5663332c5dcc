import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backproject, lookAt, type PinholeCamera, Random, type Vec3 } from '@gsdyn/geometry';
import { depthToMillimetres } from '../src/render/depth-sensor.js';
import type { TexturedMesh } from '../src/render/mesh.js';
import { renderScene } from '../src/render/rasterizer.js';
import { makeCheckerTexture } from '../src/scene/checker-texture.js';
import { makeUvSphere } from '../src/scene/sphere.js';

// A tilted textured plane through `origin` with unit normal `n`, and a finely tessellated sphere in front of it.
const n: Vec3 = (() => {
  const v: Vec3 = [0.15, -0.25, 1];
  const l = Math.hypot(...v);
  return [v[0] / l, v[1] / l, v[2] / l];
})();
const origin: Vec3 = [0, 0, 0.02];
const centre: Vec3 = [0.03, -0.02, 0.1];
const radius = 0.06;
// 96 x 48: the faces lie inside the true sphere by at most r (1 - cos(pi / 48)) ~ 0.13 mm, well under 1 mm, so
// the comparison is to the analytic sphere.
const sphere = makeUvSphere(centre, radius, 96, 48, makeCheckerTexture(8, 4, [200, 50, 50], [240, 240, 240]));

function tiltedPlane(): TexturedMesh {
  // Orthonormal in-plane axes.
  const a: Vec3 = [1, 0, -n[0] / n[2]];
  const la = Math.hypot(...a);
  const e1: Vec3 = [a[0] / la, a[1] / la, a[2] / la];
  const e2: Vec3 = [n[1] * e1[2] - n[2] * e1[1], n[2] * e1[0] - n[0] * e1[2], n[0] * e1[1] - n[1] * e1[0]];
  const corner = (s: number, t: number): number[] => [0, 1, 2].map((k) => origin[k] + s * e1[k] + t * e2[k]);
  const S = 0.8;
  return {
    positions: new Float32Array([...corner(-S, -S), ...corner(S, -S), ...corner(S, S), ...corner(-S, S)]),
    uvs: new Float32Array([0, 0, 8, 0, 8, 8, 0, 8]),
    triangles: new Uint32Array([0, 1, 2, 0, 2, 3]),
    texture: makeCheckerTexture(2, 16),
    isObject: false,
  };
}

test('back-projected depth lies on the rendered surfaces (plane to 0.01 mm, sphere to 1 mm)', () => {
  const cam: PinholeCamera = {
    width: 80,
    height: 60,
    fx: 100,
    fy: 100,
    cx: 39.5,
    cy: 29.5,
    worldToCamera: lookAt([0.35, -0.45, 0.5], [0.02, 0, 0.05]),
  };
  const out = renderScene([tiltedPlane(), sphere], cam, { supersample: 2 });
  // Noise disabled: the millimetre image is the exact rounding, so it lies within 0.5 mm along the ray too.
  const mm = depthToMillimetres(out.depth, { enabled: false }, new Random(1));
  let onPlane = 0;
  let onSphere = 0;
  let worstPlane = 0;
  for (let j = 0; j < cam.height; j++)
    for (let i = 0; i < cam.width; i++) {
      const k = j * cam.width + i;
      const z = out.depth[k];
      if (z === 0) continue; // above the plane's far edge
      const p = backproject(cam, i, j, z);
      const dPlane = Math.abs(
        n[0] * (p[0] - origin[0]) + n[1] * (p[1] - origin[1]) + n[2] * (p[2] - origin[2]),
      );
      const dSphere = Math.abs(Math.hypot(p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]) - radius);
      if (out.mask[k]) {
        assert.ok(
          dSphere < 1e-3,
          `object pixel (${i}, ${j}) is ${(dSphere * 1000).toFixed(3)} mm off the sphere`,
        );
        onSphere++;
      } else {
        assert.ok(
          dPlane < 1e-5,
          `table pixel (${i}, ${j}) is ${(dPlane * 1000).toFixed(4)} mm off the plane`,
        );
        worstPlane = Math.max(worstPlane, dPlane);
        onPlane++;
      }
      assert.ok(Math.abs(mm[k] / 1000 - z) <= 0.0005 + 1e-9);
    }
  assert.ok(onSphere > 200 && onPlane > 1000, `${onSphere} sphere and ${onPlane} plane pixels`);
});
