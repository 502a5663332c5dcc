import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { clothTriangles, createCloth, oppositeVertexPairs } from '../src/objects/cloth.js';
import { createPlush, PLUSH_BLOBS, plushSkin } from '../src/objects/plush.js';
import { createRope, ROPE } from '../src/objects/rope.js';
import { embedInTets, evaluateEmbedding } from '../src/objects/tet-embedding.js';
import { tetVolume } from '../src/physics/volume-constraints.js';

/** Volume enclosed by a closed mesh (divergence theorem): positive when its triangles face outwards. */
function signedVolume(
  triangles: Uint32Array,
  v: ArrayLike<number>,
  first = 0,
  last = triangles.length / 3,
): number {
  let sum = 0;
  for (let t = first; t < last; t++) {
    const [a, b, c] = [3 * triangles[3 * t], 3 * triangles[3 * t + 1], 3 * triangles[3 * t + 2]];
    sum +=
      v[a] * (v[b + 1] * v[c + 2] - v[b + 2] * v[c + 1]) +
      v[a + 1] * (v[b + 2] * v[c] - v[b] * v[c + 2]) +
      v[a + 2] * (v[b] * v[c + 1] - v[b + 1] * v[c]);
  }
  return sum / 6;
}

function skinned(object: ReturnType<typeof createRope>): Float32Array {
  const out = new Float32Array(3 * object.surface.vertexCount);
  object.surface.skin(object.body.positions, out);
  return out;
}

test('rope: a 0.5 m chain resting on the table, its tube closed and facing outwards', () => {
  const rope = createRope(new Random(1));
  const { body } = rope;
  assert.equal(body.count, ROPE.particles);
  assert.ok(Math.abs((rope.restLength ?? 0) - ROPE.length) < 1e-12);
  for (let p = 0; p < body.count; p++) assert.equal(body.positions[3 * p + 2], ROPE.radius);
  const v = skinned(rope);
  // A 10-sided prism of the rope's length (plus two small cone caps): area (10/2) sin(36 deg) r^2.
  const prism = 5 * Math.sin((2 * Math.PI) / 10) * ROPE.radius ** 2 * ROPE.length;
  const volume = signedVolume(rope.surface.triangles, v);
  assert.ok(volume > 0.97 * prism && volume < 1.03 * prism, `volume ${volume}, prism ${prism}`);
  let minZ = Number.POSITIVE_INFINITY;
  for (let i = 2; i < v.length; i += 3) minZ = Math.min(minZ, v[i]);
  assert.ok(Math.abs(minZ) < 1e-6, `the tube touches the table (min z ${minZ})`);
  assert.equal(rope.surface.uvs.length, 2 * rope.surface.vertexCount);
});

test('rope: the texture is seeded and varies along the rope', () => {
  const a = createRope(new Random(4)).surface.texture;
  const b = createRope(new Random(4)).surface.texture;
  const c = createRope(new Random(5)).surface.texture;
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, c.data);
  assert.equal(a.data.length, a.width * a.height * 3);
  // Along the centre column, the colour changes often (helical stripes), so motion along the rope shows.
  let changes = 0;
  for (let y = 1; y < a.height; y++) {
    const k = 3 * (y * a.width + a.width / 2);
    const j = 3 * ((y - 1) * a.width + a.width / 2);
    if (Math.abs(a.data[k] - a.data[j]) + Math.abs(a.data[k + 2] - a.data[j + 2]) > 60) changes++;
  }
  assert.ok(changes > 40, `${changes} colour changes along the rope`);
});

test('cloth: triangles face up, bending pairs match the interior edges, front and back differ', () => {
  const n = 5;
  const triangles = clothTriangles(n);
  assert.equal(triangles.length, 3 * 2 * (n - 1) ** 2);
  assert.equal(oppositeVertexPairs(triangles).length, (n - 1) ** 2 + 2 * (n - 1) * (n - 2));
  const cloth = createCloth(new Random(2));
  const v = skinned(cloth);
  const t = cloth.surface.triangles;
  for (let k = 0; k < t.length; k += 3) {
    const [a, b, c] = [3 * t[k], 3 * t[k + 1], 3 * t[k + 2]];
    const nz = (v[b] - v[a]) * (v[c + 1] - v[a + 1]) - (v[b + 1] - v[a + 1]) * (v[c] - v[a]);
    assert.ok(nz > 0, `triangle ${k / 3} faces down`);
  }
  assert.ok(cloth.surface.backTexture !== undefined);
  assert.notDeepEqual(cloth.surface.texture.data, cloth.surface.backTexture.data);
});

test('tet embedding: exact barycentrics inside, exact affine extrapolation outside', () => {
  const x = Float64Array.from([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]);
  const tets = Int32Array.from([0, 1, 2, 3, 1, 2, 3, 4]);
  const points = Float64Array.from([0.1, 0.2, 0.3, 0.6, 0.6, 0.6, -0.5, 0.2, 0.1]);
  const e = embedInTets(points, x, tets);
  assert.deepEqual(Array.from(e.corners.slice(0, 4)), [0, 1, 2, 3]);
  assert.deepEqual(
    Array.from(e.weights.slice(0, 4), (w) => Number(w.toFixed(12))),
    [0.4, 0.1, 0.2, 0.3],
  );
  assert.deepEqual(Array.from(e.corners.slice(4, 8)), [1, 2, 3, 4]);
  // Under an affine map of the corners every embedded point, inside or outside, maps the same way.
  const map = (p: ArrayLike<number>, i: number) => [
    2 * p[i] + 0.3 * p[i + 1] + 1,
    -p[i + 1] + 0.5 * p[i + 2],
    0.2 * p[i] + 1.5 * p[i + 2] - 2,
  ];
  const moved = new Float64Array(x.length);
  for (let i = 0; i < x.length; i += 3) moved.set(map(x, i), i);
  const out = new Float64Array(points.length);
  evaluateEmbedding(e, moved, out);
  for (let i = 0; i < points.length; i += 3) {
    const expected = map(points, i);
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(out[i + a] - expected[a]) < 1e-12);
  }
});

test('plush: positive tets on a lattice, a closed outward skin that the embedding reproduces at rest', () => {
  const plush = createPlush(new Random(3));
  const { body } = plush;
  assert.ok(body.count > 300 && body.count < 1200, `${body.count} particles`);
  const tets = body.volumes.indices();
  for (let t = 0; t < tets.length; t += 4) {
    assert.ok(tetVolume(body.positions, tets[t], tets[t + 1], tets[t + 2], tets[t + 3]) > 0);
  }
  let minZ = Number.POSITIVE_INFINITY;
  for (let p = 0; p < body.count; p++) minZ = Math.min(minZ, body.positions[3 * p + 2] - body.radius[p]);
  assert.ok(Math.abs(minZ) < 1e-12, 'the bottom layer rests on the table');
  // Each blob's sphere faces outwards: its enclosed volume is close to the ellipsoid's (flattened soles aside).
  const skin = plushSkin();
  let first = 0;
  for (const blob of PLUSH_BLOBS) {
    const count = blob.around * (2 * blob.stacks - 2);
    const volume = signedVolume(skin.triangles, skin.rest, first, first + count);
    const ellipsoid = (4 / 3) * Math.PI * blob.semiAxes[0] * blob.semiAxes[1] * blob.semiAxes[2];
    assert.ok(volume > 0.6 * ellipsoid && volume < 1.0 * ellipsoid, `blob volume ${volume} vs ${ellipsoid}`);
    first += count;
  }
  assert.equal(first, skin.triangles.length / 3);
  // Skinned at the rest particles, the skin is the rest skin moved by the object's placement (a rigid motion):
  // compare pairwise distances of a few vertices.
  const v = skinned(plush);
  for (let k = 1; k < skin.rest.length / 3; k += 97) {
    const d0 = Math.hypot(skin.rest[3 * k] - skin.rest[0], skin.rest[3 * k + 1] - skin.rest[1]);
    const d1 = Math.hypot(v[3 * k] - v[0], v[3 * k + 1] - v[1]);
    assert.ok(Math.abs(d0 - d1) < 1e-6);
    assert.ok(Math.abs(v[3 * k + 2] - skin.rest[3 * k + 2]) < 1e-6);
  }
});
