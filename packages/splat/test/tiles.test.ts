import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PinholeCamera, Random } from '@gsdyn/geometry';
import { float64 } from '../src/float-array.js';
import { projectGaussians, projectGaussiansAs } from '../src/project.js';
import { type BinnableGaussians, binGaussians } from '../src/tiles.js';
import type { GaussianCloud, ProjectedGaussians, TileBins } from '../src/types.js';
import { binGaussiansReference } from './bin-reference.js';

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

/**
 * Projections with everything binning must order: few distinct depths (ties), culled Gaussians, Gaussians wholly
 * off screen or straddling an edge, radii from 1 px to larger than the image, depths that are negative, +-0,
 * infinite, subnormal, or one float32 ulp apart.
 */
function hardBinnable(seed: number, count: number, width: number, height: number): BinnableGaussians {
  const rng = new Random(seed);
  const depth = new Float32Array(count);
  const special = [0, -0, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -2.5];
  for (let i = 0; i < count; i++) {
    const kind = rng.int(6);
    if (kind === 0) depth[i] = special[rng.int(special.length)];
    else if (kind === 1) depth[i] = 1 + rng.int(4) * 0.5;
    else if (kind === 2) {
      // Neighbours in float32: 1 + k ulp.
      depth[i] = 1 + rng.int(5) * 2 ** -23;
    } else depth[i] = rng.uniform(-1, 30);
  }
  const radius = Int32Array.from({ length: count }, () => {
    const r = rng.next();
    return r < 0.15
      ? 0
      : r < 0.2
        ? -rng.int(3)
        : r < 0.25
          ? 1 + rng.int(3 * Math.max(width, height))
          : 1 + rng.int(40);
  });
  return {
    count,
    meanX: Float32Array.from({ length: count }, () => rng.uniform(-3 * width, 4 * width)),
    meanY: Float32Array.from({ length: count }, () => rng.uniform(-height, 2 * height)),
    depth,
    radius,
  };
}

function assertSameBins(actual: TileBins, expected: TileBins, what: string): void {
  assert.equal(actual.tileSize, expected.tileSize, `${what}: tileSize`);
  assert.equal(actual.tilesX, expected.tilesX, `${what}: tilesX`);
  assert.equal(actual.tilesY, expected.tilesY, `${what}: tilesY`);
  assert.deepEqual(actual.ranges, expected.ranges, `${what}: ranges`);
  assert.deepEqual(actual.order, expected.order, `${what}: order`);
}

test('one global depth sort gives exactly the lists of the per-tile sorts it replaced', () => {
  let entries = 0;
  for (const [seed, width, height, count] of [
    [1, 100, 70, 2000],
    [2, 320, 240, 5000],
    [3, 16, 16, 300],
    [4, 1, 1, 50],
    [5, 333, 17, 3000],
    [6, 64, 48, 0],
  ]) {
    const p = hardBinnable(seed, count, width, height);
    const what = `seed ${seed}, ${width}x${height}, ${count} Gaussians`;
    const expected = binGaussiansReference(p, width, height);
    entries += expected.order.length;
    assertSameBins(binGaussians(p, width, height), expected, `${what}, float32 depths`);
    // Other depth arrays take the comparator path.
    const p64 = { ...p, depth: Float64Array.from(p.depth) };
    assertSameBins(binGaussians(p64, width, height), expected, `${what}, float64 depths`);
    const pArray = { ...p, depth: Array.from(p.depth) };
    assertSameBins(binGaussians(pArray, width, height), expected, `${what}, number[] depths`);
    // A depth array that is a view into a larger buffer.
    const padded = new Float32Array(count + 3);
    padded.set(p.depth, 3);
    const pView = { ...p, depth: padded.subarray(3) };
    assertSameBins(binGaussians(pView, width, height), expected, `${what}, float32 view`);
  }
  assert.ok(entries > 20_000, 'the lists are long enough to mean something');
});

test('binGaussians matches the reference on a projected cloud, float32 and float64', () => {
  const cam: PinholeCamera = {
    width: 96,
    height: 72,
    fx: 80,
    fy: 80,
    cx: 47.5,
    cy: 35.5,
    worldToCamera: Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
  };
  const rng = new Random(9);
  const n = 2000;
  const cloud: GaussianCloud = {
    count: n,
    means: Float32Array.from({ length: 3 * n }, (_, k) =>
      k % 3 === 2 ? rng.uniform(-0.5, 3) : rng.uniform(-1.5, 1.5),
    ),
    quaternions: Float32Array.from({ length: 4 * n }, () => rng.normal()),
    logScales: Float32Array.from({ length: 3 * n }, () => rng.uniform(-6, -1)),
    logitOpacities: new Float32Array(n),
    colors: new Float32Array(3 * n),
    extraChannels: 0,
    extras: new Float32Array(0),
  };
  const p = projectGaussians(cloud, cam);
  assertSameBins(binGaussians(p, 96, 72), binGaussiansReference(p, 96, 72), 'float32');
  const p64 = projectGaussiansAs(cloud, cam, {}, float64);
  assertSameBins(binGaussians(p64, 96, 72), binGaussiansReference(p64, 96, 72), 'float64');
});

test('NaN depths, which have no place in a (depth, index) order, come last', () => {
  const p: BinnableGaussians = {
    count: 4,
    meanX: Float32Array.of(8, 8, 8, 8),
    meanY: Float32Array.of(8, 8, 8, 8),
    depth: Float32Array.of(Number.NaN, 2, -Number.NaN, 1),
    radius: Int32Array.of(3, 3, 3, 3),
  };
  const bins = binGaussians(p, 16, 16);
  assert.deepEqual(Array.from(bins.order), [3, 1, 0, 2]);
});
