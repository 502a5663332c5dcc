import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identity4, lookAt, type PinholeCamera, project, type Vec3 } from '@gsdyn/geometry';
import type { Texture, TexturedMesh } from '../src/render/mesh.js';
import { renderScene } from '../src/render/rasterizer.js';
import { makeSolidTexture } from '../src/scene/checker-texture.js';
import { makePusher } from '../src/scene/pusher.js';
import { makeUvSphere } from '../src/scene/sphere.js';
import { makeTable } from '../src/scene/table.js';

const WHITE = makeSolidTexture([255, 255, 255]);

/** Camera at the world origin looking down +z (world = camera frame). */
function axisCamera(width: number, height: number, f: number, cx: number, cy: number): PinholeCamera {
  return { width, height, fx: f, fy: f, cx, cy, worldToCamera: identity4() };
}

function mesh(points: Vec3[], triangles: number[], extra: Partial<TexturedMesh> = {}): TexturedMesh {
  return {
    positions: new Float32Array(points.flat()),
    uvs: new Float32Array(points.length * 2),
    triangles: new Uint32Array(triangles),
    texture: WHITE,
    isObject: true,
    ...extra,
  };
}

/** World point at depth z that an axis camera sees at pixel coordinates (u, v). */
function atPixel(cam: PinholeCamera, u: number, v: number, z: number): Vec3 {
  return [((u - cam.cx) * z) / cam.fx, ((v - cam.cy) * z) / cam.fy, z];
}

test('a fronto-parallel triangle covers exactly the pixel centres the top-left rule gives, at its exact depth', () => {
  // f = 16, z = 2, cx = 11.5: every vertex lands exactly on a pixel centre (all numbers dyadic), so edges pass
  // exactly through pixel centres and the tie-breaking rule is what decides them.
  const cam = axisCamera(24, 24, 16, 11.5, 11.5);
  const a = atPixel(cam, 2, 2, 2);
  const b = atPixel(cam, 20, 2, 2);
  const c = atPixel(cam, 2, 20, 2);
  // Order a, c, b is counter-clockwise seen from the camera (front-facing).
  const tri = mesh([a, c, b], [0, 1, 2]);
  for (const supersample of [1, 3]) {
    const out = renderScene([tri], cam, { supersample });
    let covered = 0;
    for (let j = 0; j < 24; j++)
      for (let i = 0; i < 24; i++) {
        // Top edge (v = 2) and left edge (u = 2) are included, the hypotenuse u + v = 22 is not.
        const expected = i >= 2 && j >= 2 && i + j < 22;
        const p = j * 24 + i;
        assert.equal(out.mask[p] === 255, expected, `s=${supersample} pixel (${i}, ${j}) mask`);
        if (expected) {
          covered++;
          assert.ok(Math.abs(out.depth[p] - 2) < 1e-6, `depth ${out.depth[p]} at (${i}, ${j})`);
        } else assert.equal(out.depth[p], 0);
      }
    assert.equal(covered, (18 * 19) / 2); // row j = 2..19 holds 20 - j pixels
  }
});

test('depth on a tilted plane equals the ray-plane intersection at every pixel centre', () => {
  const cam = axisCamera(40, 30, 30, 19.5, 14.5);
  // Plane through (0, 0, 1) with normal n; a big triangle on it covering the view.
  const n: Vec3 = [0.3, -0.2, -1];
  const onPlane = (x: number, y: number): Vec3 => [x, y, 1 - (n[0] * x + n[1] * y) / n[2] - 0]; // n.(p - p0) = 0
  const a = onPlane(-3, -3);
  const b = onPlane(3, -3);
  const c = onPlane(0, 4);
  const out = renderScene([mesh([a, b, c], [0, 1, 2], { backTexture: WHITE })], cam, { supersample: 2 });
  let checked = 0;
  for (let j = 0; j < 30; j++)
    for (let i = 0; i < 40; i++) {
      const d: Vec3 = [(i - cam.cx) / cam.fx, (j - cam.cy) / cam.fy, 1];
      const t = (n[0] * 0 + n[1] * 0 + n[2] * 1) / (n[0] * d[0] + n[1] * d[1] + n[2] * d[2]);
      const z = out.depth[j * 40 + i];
      assert.ok(z > 0, `pixel (${i}, ${j}) not drawn`);
      // Vertices are float32, so the plane itself is only known to ~1e-7 relative.
      assert.ok(Math.abs(z - t) < 1e-6, `pixel (${i}, ${j}): depth ${z}, plane ${t}`);
      checked++;
    }
  assert.equal(checked, 1200);
});

test('a general camera: covered pixels are those whose centres fall inside the triangle `project` gives', () => {
  const cam: PinholeCamera = {
    width: 48,
    height: 36,
    fx: 81,
    fy: 83,
    cx: 23.5,
    cy: 17.5,
    worldToCamera: lookAt([0.4, -0.5, 0.45], [0.02, 0.01, 0]),
  };
  const pts: Vec3[] = [
    [-0.17, -0.12, 0.01],
    [0.19, -0.08, 0.02],
    [0.02, 0.2, 0.0],
  ];
  const out = renderScene([mesh(pts, [0, 1, 2], { backTexture: WHITE })], cam, { supersample: 1 });
  const q = pts.map((p) => project(cam, p));
  const edge = (a: (typeof q)[0], b: (typeof q)[0], u: number, v: number) =>
    (b.u - a.u) * (v - a.v) - (b.v - a.v) * (u - a.u);
  let inside = 0;
  for (let j = 0; j < cam.height; j++)
    for (let i = 0; i < cam.width; i++) {
      const e = [edge(q[0], q[1], i, j), edge(q[1], q[2], i, j), edge(q[2], q[0], i, j)];
      const len = [0, 1, 2].map((k) => Math.hypot(q[(k + 1) % 3].u - q[k].u, q[(k + 1) % 3].v - q[k].v));
      const dist = e.map((x, k) => x / len[k]);
      // Skip centres within 1e-6 px of an edge (ties are the fill rule's business, tested above).
      if (dist.some((x) => Math.abs(x) < 1e-6)) continue;
      const isIn = dist.every((x) => x > 0) || dist.every((x) => x < 0);
      assert.equal(out.mask[j * cam.width + i] === 255, isIn, `pixel (${i}, ${j})`);
      if (isIn) inside++;
    }
  assert.ok(inside > 100, `only ${inside} pixels inside`);
});

/** Masks of each triangle rendered alone, to count how often each pixel is drawn. */
function coverageCounts(cam: PinholeCamera, pts: Vec3[], tris: number[]): Uint8Array {
  const counts = new Uint8Array(cam.width * cam.height);
  for (let t = 0; t < tris.length; t += 3) {
    const out = renderScene([mesh(pts, tris.slice(t, t + 3))], cam, { supersample: 1 });
    for (let k = 0; k < counts.length; k++) if (out.mask[k]) counts[k]++;
  }
  return counts;
}

test('shared edges: no pixel is left out or drawn twice along a diagonal through pixel centres', () => {
  const cam = axisCamera(24, 24, 16, 11.5, 11.5);
  const p = (u: number, v: number) => atPixel(cam, u, v, 2);
  // A square whose diagonal (2,2)-(20,20) passes exactly through pixel centres (i, i).
  const pts = [p(2, 2), p(2, 20), p(20, 20), p(20, 2)]; // counter-clockwise seen from the camera
  const counts = coverageCounts(cam, pts, [0, 1, 2, 0, 2, 3]);
  for (let j = 0; j < 24; j++)
    for (let i = 0; i < 24; i++) {
      const inSquare = i >= 2 && i < 20 && j >= 2 && j < 20; // top-left rule on the square's own edges
      assert.equal(counts[j * 24 + i], inSquare ? 1 : 0, `pixel (${i}, ${j})`);
    }
});

test('shared edges: a fan of triangles around an off-grid centre covers its interior exactly once', () => {
  const cam = axisCamera(32, 32, 20, 15.5, 15.5);
  const z = 1.3;
  const centre = atPixel(cam, 15.37, 16.21, z);
  const ring: Vec3[] = [];
  const R = 12.3;
  for (let k = 0; k < 9; k++) {
    const a = (2 * Math.PI * k) / 9 + 0.1;
    ring.push(atPixel(cam, 15.37 + R * Math.cos(a), 16.21 + R * Math.sin(a), z));
  }
  const pts = [centre, ...ring];
  const tris: number[] = [];
  for (let k = 0; k < 9; k++) tris.push(0, 1 + ((k + 1) % 9), 1 + k); // counter-clockwise seen from the camera
  const counts = coverageCounts(cam, pts, tris);
  let interior = 0;
  for (let j = 0; j < 32; j++)
    for (let i = 0; i < 32; i++) {
      const c = counts[j * 32 + i];
      assert.ok(c <= 1, `pixel (${i}, ${j}) drawn ${c} times`);
      // Well inside the polygon (inscribed radius R cos(pi/9) minus a margin) every pixel must be drawn.
      if (Math.hypot(i - 15.37, j - 16.21) < R * Math.cos(Math.PI / 9) - 0.5) {
        assert.equal(c, 1, `crack at pixel (${i}, ${j})`);
        interior++;
      }
    }
  assert.ok(interior > 300);
});

test('perspective-correct texturing: stripe boundaries on an oblique floor land where projection says', () => {
  const W = 48;
  const H = 96;
  const cam = axisCamera(W, H, 80, 23.5, 47.5);
  // Stripes across the texture's v: 8 stripes of 16 texels, alternating white and black.
  const th = 128;
  const data = new Uint8Array(4 * th * 3);
  for (let y = 0; y < th; y++) data.fill(Math.floor(y / 16) % 2 === 0 ? 255 : 0, y * 12, y * 12 + 12);
  const stripes: Texture = { width: 4, height: th, data };
  // A floor 0.3 m below the camera (y points down) from z = 0.5 to z = 3, texture v = (z - 0.5) / 2.5.
  const floorY = 0.3;
  const pts: Vec3[] = [
    [-2, floorY, 0.5],
    [2, floorY, 0.5],
    [0, floorY, 3],
  ];
  const uvs = new Float32Array([0.1, 0, 0.9, 0, 0.5, 1]);
  const floor: TexturedMesh = { ...mesh(pts, [0, 1, 2]), uvs, texture: stripes };
  const out = renderScene([floor], cam, { supersample: 1, ambient: 1 });
  const column = 24;
  const intensity = (j: number) => out.color[(j * W + column) * 3];
  let checked = 0;
  let affineWorst = 0;
  for (let k = 1; k < 8; k++) {
    const z = 0.5 + (2.5 * k) / 8;
    const vTrue = (cam.fy * floorY) / z + cam.cy;
    const spacing = (cam.fy * floorY) / z - (cam.fy * floorY) / (z + 2.5 / 8);
    if (spacing < 2.5) continue; // far stripes are too thin to locate
    // Find the 50% crossing nearest to the analytic row, interpolating linearly between pixel rows.
    let best = Number.POSITIVE_INFINITY;
    for (let j = Math.floor(vTrue) - 3; j <= Math.floor(vTrue) + 3; j++) {
      const a = intensity(j) - 127.5;
      const b = intensity(j + 1) - 127.5;
      if (a * b < 0 || a === 0) {
        const crossing = j + a / (a - b);
        if (Math.abs(crossing - vTrue) < Math.abs(best - vTrue)) best = crossing;
      }
    }
    assert.ok(
      Math.abs(best - vTrue) < 0.5,
      `boundary ${k}: crossing at row ${best}, projection says ${vTrue}`,
    );
    // Affine (screen-space) interpolation of v: linear in the image row between the near edge and the apex.
    const vNear = (cam.fy * floorY) / 0.5 + cam.cy;
    const vApex = (cam.fy * floorY) / 3 + cam.cy;
    const vAffine = vNear + (vApex - vNear) * (k / 8);
    affineWorst = Math.max(affineWorst, Math.abs(vAffine - vTrue));
    checked++;
  }
  assert.ok(checked >= 3, `only ${checked} boundaries checked`);
  assert.ok(affineWorst > 2, 'the scene must be oblique enough that affine interpolation would fail');
});

test('two-sided meshes show backTexture from behind; one-sided meshes are culled', () => {
  const cam = axisCamera(16, 16, 12, 7.5, 7.5);
  const p = (u: number, v: number) => atPixel(cam, u, v, 1);
  const ccw = [p(1, 1), p(1, 14), p(14, 14), p(14, 1)]; // front faces the camera
  const cw = [ccw[0], ccw[3], ccw[2], ccw[1]]; // back faces the camera
  const tris = [0, 1, 2, 0, 2, 3];
  const green = makeSolidTexture([0, 200, 0]);
  const red = makeSolidTexture([200, 0, 0]);
  const opts = { supersample: 1, ambient: 1, background: [10, 20, 30] as [number, number, number] };
  const centre = (8 * 16 + 8) * 3;

  const front = renderScene([mesh(ccw, tris, { texture: green, backTexture: red })], cam, opts);
  assert.deepEqual([...front.color.subarray(centre, centre + 3)], [0, 200, 0]);
  const back = renderScene([mesh(cw, tris, { texture: green, backTexture: red })], cam, opts);
  assert.deepEqual([...back.color.subarray(centre, centre + 3)], [200, 0, 0]);
  assert.ok(Math.abs(back.depth[8 * 16 + 8] - 1) < 1e-6);

  const culled = renderScene([mesh(cw, tris, { texture: green })], cam, opts);
  assert.ok(culled.depth.every((d) => d === 0));
  assert.ok(culled.mask.every((m) => m === 0));
  for (let k = 0; k < 256; k++) assert.deepEqual([...culled.color.subarray(3 * k, 3 * k + 3)], [10, 20, 30]);
});

test('a tall cylinder crossing the near plane is clipped, not dropped: it still occludes what is behind it', () => {
  const eye: Vec3 = [0, -0.5, 0.4];
  const cam: PinholeCamera = {
    width: 64,
    height: 48,
    fx: 40,
    fy: 40,
    cx: 31.5,
    cy: 23.5,
    worldToCamera: lookAt(eye, [0, 0, 0]),
  };
  // Axis at (0, -0.3): its top (1.5 m) is behind the camera. The pusher's upper side triangles run from 0.12 m
  // above the tip to the top, so everything seen above 0.12 m comes from clipped triangles.
  const r = 0.02;
  const pusher = makePusher([0, -0.3, 0], r, 1.5);
  // An object straight behind the cylinder (on the ray through it), and a table.
  const h = 0.25;
  const front: Vec3 = [0, -0.3 - r, h]; // the cylinder's surface point facing the camera (a vertex line)
  const t = 2.2;
  const behind: Vec3 = [0, eye[1] + t * (front[1] - eye[1]), eye[2] + t * (front[2] - eye[2])];
  const ball = makeUvSphere(behind, 0.03, 16, 8, WHITE, true);
  const table = makeTable();
  const pix = project(cam, front);
  assert.ok(pix.z > 0);
  const i = Math.round(pix.u);
  const j = Math.round(pix.v);
  const k = j * cam.width + i;

  const without = renderScene([table, ball], cam, { supersample: 1 });
  assert.equal(without.mask[k], 255, 'without the pusher the object is seen');
  const withPusher = renderScene([table, ball, pusher], cam, { supersample: 1 });
  assert.equal(withPusher.mask[k], 0, 'the pusher hides the object');
  // The depth there is the cylinder's: the ray through the pixel centre hits the (faceted) cylinder near `front`.
  assert.ok(
    Math.abs(withPusher.depth[k] - pix.z) < 0.01,
    `depth ${withPusher.depth[k]} vs cylinder ${pix.z}`,
  );
  // And its silhouette on that row is about 2 r f / z wide, not a smear across the image.
  let width = 0;
  for (let u = 0; u < cam.width; u++) {
    const d = withPusher.depth[j * cam.width + u];
    if (d > 0 && d < without.depth[j * cam.width + u] - 1e-4) width++;
  }
  const expected = (2 * r * cam.fx) / pix.z;
  assert.ok(Math.abs(width - expected) <= 2, `silhouette ${width} px, expected ~${expected.toFixed(1)}`);
});

test('same inputs give identical bytes, also after rendering other scenes of other sizes in between', () => {
  const cam: PinholeCamera = {
    width: 40,
    height: 30,
    fx: 30,
    fy: 30,
    cx: 19.5,
    cy: 14.5,
    worldToCamera: lookAt([0.5, -0.6, 0.5], [0, 0, 0]),
  };
  const scene = [
    makeTable(),
    makeUvSphere([0, 0, 0.05], 0.05, 24, 12, WHITE),
    makePusher([0.1, 0, 0.01], 0.01),
  ];
  const a = renderScene(scene, cam, { supersample: 2 });
  renderScene([makeTable()], { ...cam, width: 80, height: 60, cx: 39.5, cy: 29.5 }, { supersample: 3 });
  const b = renderScene(scene, cam, { supersample: 2 });
  assert.deepEqual(Buffer.from(a.color), Buffer.from(b.color));
  assert.deepEqual(Buffer.from(a.depth.buffer), Buffer.from(b.depth.buffer));
  assert.deepEqual(Buffer.from(a.mask), Buffer.from(b.mask));
  assert.ok(a.mask.some((m) => m === 255));
});

test('colour is the box filter of the samples: a half-covered pixel gets the average colour', () => {
  const cam = axisCamera(8, 8, 8, 3.5, 3.5);
  const p = (u: number, v: number) => atPixel(cam, u, v, 1);
  // Quad covering u in [-0.5, 4) exactly: pixel column 4 is covered from 3.5... choose its edge mid-pixel at u = 4.
  const quad = mesh([p(-1, -1), p(-1, 9), p(4, 9), p(4, -1)], [0, 1, 2, 0, 2, 3], {
    texture: makeSolidTexture([240, 120, 60]),
  });
  for (const s of [2, 4]) {
    const out = renderScene([quad], cam, { supersample: s, ambient: 1, background: [0, 0, 0] });
    const k = (3 * 8 + 4) * 3; // pixel (4, 3): half inside
    assert.deepEqual([...out.color.subarray(k, k + 3)], [120, 60, 30], `s=${s}`);
    assert.ok(Math.abs(out.objectCoverage[3 * 8 + 4] - 0.5) < 1e-6);
    assert.equal(out.objectCoverage[3 * 8 + 2], 1);
  }
});

test('Lambert + ambient shading: a plane facing the light is full colour, one at 90 degrees gets ambient only', () => {
  const cam = axisCamera(8, 8, 8, 3.5, 3.5);
  const p = (u: number, v: number) => atPixel(cam, u, v, 1);
  const quad = mesh([p(-1, -1), p(-1, 9), p(9, 9), p(9, -1)], [0, 1, 2, 0, 2, 3], {
    texture: makeSolidTexture([200, 100, 50]),
  });
  // The quad's front normal is -z (towards the camera).
  const lit = renderScene([quad], cam, { supersample: 1, ambient: 0.25, lightDirection: [0, 0, -2] });
  assert.deepEqual([...lit.color.subarray(0, 3)], [200, 100, 50]);
  const side = renderScene([quad], cam, { supersample: 1, ambient: 0.25, lightDirection: [1, 0, 0] });
  assert.deepEqual([...side.color.subarray(0, 3)], [50, 25, 13]);
  const half = renderScene([quad], cam, {
    supersample: 1,
    ambient: 0.25,
    lightDirection: [0, Math.sqrt(3), -1],
  });
  assert.deepEqual([...half.color.subarray(0, 3)], [125, 63, 31]); // 0.25 + 0.75 * 0.5 = 0.625
});

test('bad input is rejected with the field named', () => {
  const cam = axisCamera(8, 8, 8, 3.5, 3.5);
  const good = mesh(
    [
      [0, 0, 1],
      [0, 1, 1],
      [1, 0, 1],
    ],
    [0, 1, 2],
  );
  assert.throws(() => renderScene([{ ...good, uvs: new Float32Array(4) }], cam), /meshes\[0\]\.uvs/);
  assert.throws(
    () => renderScene([good, { ...good, triangles: new Uint32Array([0, 1, 3]) }], cam),
    /meshes\[1\]\.triangles/,
  );
  assert.throws(() => renderScene([good], cam, { supersample: 0 }), /supersample/);
  assert.throws(() => renderScene([good], { ...cam, width: 0 }), /width/);
  assert.throws(
    () => renderScene([{ ...good, texture: { width: 2, height: 2, data: new Uint8Array(3) } }], cam),
    /meshes\[0\]\.texture/,
  );
});
