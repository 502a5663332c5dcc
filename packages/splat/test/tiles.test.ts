import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PinholeCamera, Random } from '@gsdyn/geometry';
import { projectGaussians } from '../src/project.js';
import { binGaussians } from '../src/tiles.js';
import type { GaussianCloud, ProjectedGaussians } from '../src/types.js';

function randomProjected(seed: number, count: number, width: number, height: number): ProjectedGaussians {
  const rng = new Random(seed);
  const p: ProjectedGaussians = {
    count,
    channels: 3,
    meanX: Float32Array.from({ length: count }, () => rng.uniform(-40, width + 40)),
    meanY: Float32Array.from({ length: count }, () => rng.uniform(-40, height + 40)),
    conicA: new Float32Array(count).fill(1),
    conicB: new Float32Array(count),
    conicC: new Float32Array(count).fill(1),
    opacity: new Float32Array(count).fill(0.5),
    // Few distinct depths, so that ties happen and must be broken by index.
    depth: Float32Array.from({ length: count }, () => 1 + rng.int(6) * 0.25),
    radius: Int32Array.from({ length: count }, () => (rng.next() < 0.1 ? 0 : 1 + rng.int(30))),
    features: new Float32Array(3 * count),
  };
  return p;
}

/**
 * Oracle: tile (tx, ty) holds Gaussian i when 3DGS's getRect covers it, written as inequalities on the tile's own
 * pixel range: floor((m - r) / 16) <= tx  <=>  16 tx + 16 > m - r, and tx < floor((m + r + 15) / 16)  <=>
 * 16 tx + 1 <= m + r.
 */
function covers(p: ProjectedGaussians, i: number, tx: number, ty: number): boolean {
  const r = p.radius[i];
  if (r <= 0) return false;
  const inX = 16 * tx + 16 > p.meanX[i] - r && 16 * tx + 1 <= p.meanX[i] + r;
  const inY = 16 * ty + 16 > p.meanY[i] - r && 16 * ty + 1 <= p.meanY[i] + r;
  return inX && inY;
}

test('every Gaussian is listed in exactly the tiles its rectangle covers, front to back, ties by index', () => {
  const width = 100;
  const height = 70;
  const p = randomProjected(4, 300, width, height);
  const bins = binGaussians(p, width, height);
  assert.equal(bins.tileSize, 16);
  assert.equal(bins.tilesX, 7);
  assert.equal(bins.tilesY, 5);
  assert.equal(bins.ranges.length, 36);
  assert.equal(bins.ranges[0], 0);
  assert.equal(bins.ranges[35], bins.order.length);
  let ties = 0;
  for (let ty = 0; ty < bins.tilesY; ty++)
    for (let tx = 0; tx < bins.tilesX; tx++) {
      const t: number = ty * bins.tilesX + tx;
      const list: number[] = Array.from(bins.order.subarray(bins.ranges[t], bins.ranges[t + 1]));
      const expected: number[] = [];
      for (let i = 0; i < p.count; i++) if (covers(p, i, tx, ty)) expected.push(i);
      assert.deepEqual(
        [...list].sort((a, b) => a - b),
        expected,
        `tile ${tx},${ty}`,
      );
      for (let k = 1; k < list.length; k++) {
        const a = list[k - 1];
        const b = list[k];
        assert.ok(p.depth[a] < p.depth[b] || (p.depth[a] === p.depth[b] && a < b), `tile ${tx},${ty} order`);
        if (p.depth[a] === p.depth[b]) ties++;
      }
    }
  assert.ok(ties > 50, 'the test exercises ties');
});

test('rectangle edges: 3DGS tile bounds at exact boundaries', () => {
  const p = randomProjected(1, 3, 64, 32);
  // Square [m - r, m + r] = [16, 24]: starts exactly on tile 1. [m - r, m + r] = [7, 17]: ends in tile 1.
  p.meanX.set([20, 12, 40]);
  p.meanY.set([8, 8, 8]);
  p.radius.set([4, 5, 8]);
  const bins = binGaussians(p, 64, 32);
  const tilesOf = (i: number) => {
    const out: number[] = [];
    for (let t = 0; t < 8; t++)
      if (bins.order.subarray(bins.ranges[t], bins.ranges[t + 1]).includes(i)) out.push(t);
    return out;
  };
  assert.deepEqual(tilesOf(0), [1]);
  assert.deepEqual(tilesOf(1), [0, 1]);
  // [32, 48] with max bound floor((48 + 15) / 16) = 3: tiles 2 only; the pixel 48 itself is not covered.
  assert.deepEqual(tilesOf(2), [2]);
});

test('Gaussians behind the camera or far off screen are culled (radius 0) and in no list', () => {
  const cam: PinholeCamera = {
    width: 48,
    height: 40,
    fx: 50,
    fy: 50,
    cx: 24,
    cy: 20,
    worldToCamera: Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
  };
  const means = [
    [0, 0, 1],
    [0, 0, -1],
    [3, 0, 1],
    [0, -4, 2],
    [0.1, 0.05, 0.8],
  ];
  const n = means.length;
  const cloud: GaussianCloud = {
    count: n,
    means: Float32Array.from(means.flat()),
    quaternions: Float32Array.from({ length: 4 * n }, (_, k) => (k % 4 === 0 ? 1 : 0)),
    logScales: new Float32Array(3 * n).fill(Math.log(0.02)),
    logitOpacities: new Float32Array(n),
    colors: new Float32Array(3 * n),
    extraChannels: 0,
    extras: new Float32Array(0),
  };
  const p = projectGaussians(cloud, cam);
  assert.deepEqual(
    Array.from(p.radius, (r) => r > 0),
    [true, false, false, false, true],
  );
  const bins = binGaussians(p, cam.width, cam.height);
  const listed = new Set(bins.order);
  assert.deepEqual([...listed].sort(), [0, 4]);
});
