import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeVertexNormals } from '../src/render/vertex-normals.js';
import { makeSolidTexture } from '../src/scene/checker-texture.js';
import { makePusher } from '../src/scene/pusher.js';
import { makeUvSphere } from '../src/scene/sphere.js';
import { makeTable } from '../src/scene/table.js';

function faceNormalsPointAway(
  mesh: { positions: Float32Array; triangles: Uint32Array },
  axis: (p: number[]) => number[],
) {
  const p = mesh.positions;
  const t = mesh.triangles;
  for (let k = 0; k < t.length; k += 3) {
    const [a, b, c] = [t[k], t[k + 1], t[k + 2]].map((i) => [p[3 * i], p[3 * i + 1], p[3 * i + 2]]);
    const e1 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    const e2 = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
    const n = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
    const centroid = [0, 1, 2].map((d) => (a[d] + b[d] + c[d]) / 3);
    const out = axis(centroid);
    assert.ok(n[0] * out[0] + n[1] * out[1] + n[2] * out[2] > 0, `triangle ${k / 3} faces inwards`);
  }
}

test('table: one quad at z = 0 facing up, textured with visible structure, deterministic', () => {
  const t = makeTable();
  assert.equal(t.isObject, false);
  for (let k = 2; k < t.positions.length; k += 3) assert.equal(t.positions[k], 0);
  faceNormalsPointAway(t, () => [0, 0, 1]);
  const xs = [0, 3, 6, 9].map((k) => t.positions[k]);
  assert.ok(Math.min(...xs) <= -0.6 && Math.max(...xs) >= 0.6, 'covers more than the workspace');
  const d = t.texture.data;
  assert.equal(d.length, t.texture.width * t.texture.height * 3);
  let min = 255;
  let max = 0;
  for (let k = 0; k < d.length; k += 3) {
    min = Math.min(min, d[k]);
    max = Math.max(max, d[k]);
    assert.ok(d[k] >= d[k + 1] && d[k + 1] >= d[k + 2], 'wood is brownish: r >= g >= b');
  }
  assert.ok(max - min > 60, `texture contrast ${max - min}`);
  assert.deepEqual(Buffer.from(makeTable().texture.data), Buffer.from(d));
});

test('pusher: a closed vertical cylinder from the tip to `top`, outward faces, not the object', () => {
  const tip = [0.1, -0.05, 0.02];
  const r = 0.015;
  const p = makePusher(tip, r, 1.2);
  assert.equal(p.isObject, false);
  let zMin = Number.POSITIVE_INFINITY;
  let zMax = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < p.positions.length; k += 3) {
    const dr = Math.hypot(p.positions[k] - tip[0], p.positions[k + 1] - tip[1]);
    assert.ok(dr <= r + 1e-6);
    zMin = Math.min(zMin, p.positions[k + 2]);
    zMax = Math.max(zMax, p.positions[k + 2]);
  }
  assert.ok(Math.abs(zMin - 0.02) < 1e-6 && Math.abs(zMax - 1.2) < 1e-6);
  const mid = (1.2 + 0.02) / 2;
  faceNormalsPointAway(p, (c) => {
    if (c[2] < 0.02 + 1e-6) return [0, 0, -1];
    if (c[2] > 1.2 - 1e-6) return [0, 0, 1];
    return [c[0] - tip[0], c[1] - tip[1], (c[2] - mid) * 0];
  });
  assert.equal(
    makePusher(tip, r).positions.reduce((m, v, k) => (k % 3 === 2 ? Math.max(m, v) : m), 0) > 1.4,
    true,
  );
  assert.throws(() => makePusher(tip, -1), /radius/);
});

test('vertex normals: area-weighted and unit length; a sphere gets radial normals', () => {
  const s = makeUvSphere([0.1, 0.2, 0.3], 0.05, 32, 16, makeSolidTexture([1, 2, 3]));
  faceNormalsPointAway(s, (c) => [c[0] - 0.1, c[1] - 0.2, c[2] - 0.3]);
  const n = computeVertexNormals(s);
  const cols = 33;
  for (let v = cols; v < n.length / 3 - cols; v++) {
    const radial = [0, 1, 2].map((d) => (s.positions[3 * v + d] - [0.1, 0.2, 0.3][d]) / 0.05);
    const dot = n[3 * v] * radial[0] + n[3 * v + 1] * radial[1] + n[3 * v + 2] * radial[2];
    assert.ok(Math.abs(Math.hypot(n[3 * v], n[3 * v + 1], n[3 * v + 2]) - 1) < 1e-5);
    // Interior vertices (not on the seam) are surrounded by faces symmetrically: radial to ~1e-3.
    if (v % cols !== 0 && v % cols !== 32) assert.ok(dot > 0.999, `vertex ${v}: n.r = ${dot}`);
  }
  // Area weighting: a big and a tiny face meeting at a vertex; the big one dominates.
  const two = {
    positions: new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0.01, 0, -0.01, 0]),
    triangles: new Uint32Array([0, 1, 2, 0, 3, 4]),
  };
  const m = computeVertexNormals(two);
  // Face 1 normal +z (area 0.5), face 2 normal (area 5e-5) along x: vertex 0 leans to +z by area ratio.
  assert.ok(m[2] > 0.9999 && Math.abs(m[0]) > 0 && Math.abs(m[0]) < 2e-4);
});
