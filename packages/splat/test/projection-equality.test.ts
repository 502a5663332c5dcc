/**
 * The EWA projection, its caller and its backward are unrolled for speed; they must compute bit for bit what the
 * straightforward versions computed (test/projection-reference.ts), in float32 and float64, on clouds with every
 * case the projection distinguishes: in view, partly and wholly off screen, beyond the Jacobian clamp on either
 * axis, behind or at the near plane, zero and tiny quaternions, huge and tiny scales, exact zeros in the inputs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invertRigid, lookAt, type Mat4, multiply4, type PinholeCamera, Random } from '@gsdyn/geometry';
import { cameraFrame, DEFAULT_NEAR, EwaScratch, type GaussianCloudLike, projectOne } from '../src/ewa.js';
import { type FloatArray, float32, float64 } from '../src/float-array.js';
import { projectGaussiansAs } from '../src/project.js';
import { projectGaussiansBackwardAs, type TileGradientsLike } from '../src/project-backward.js';
import type { PixelConvention } from '../src/types.js';
import {
  projectGaussiansAsReference,
  projectGaussiansBackwardAsReference,
  projectOneReference,
} from './projection-reference.js';

const W = 96;
const H = 72;

function cameras(): PinholeCamera[] {
  const roll = 0.37;
  const c = Math.cos(roll);
  const s = Math.sin(roll);
  const r: Mat4 = Float64Array.from([c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  const base = { width: W, height: H, fx: 80, fy: 77, cx: 47.3, cy: 35.6 };
  return [
    { ...base, worldToCamera: Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]) },
    { ...base, worldToCamera: multiply4(r, lookAt([0.6, -0.7, 0.5], [0.05, 0.02, 0.1])) },
  ];
}

interface CloudOf<F extends FloatArray> extends GaussianCloudLike {
  means: F;
  quaternions: F;
  logScales: F;
  logitOpacities: F;
  colors: F;
  extras: F;
}

/** Built in view space so that every case shows up whatever the pose. */
function edgeCloud<F extends FloatArray>(
  seed: number,
  count: number,
  cam: PinholeCamera,
  alloc: (n: number) => F,
): CloudOf<F> {
  const rng = new Random(seed);
  const e = 2;
  const cloud: CloudOf<F> = {
    count,
    means: alloc(3 * count),
    quaternions: alloc(4 * count),
    logScales: alloc(3 * count),
    logitOpacities: alloc(count),
    colors: alloc(3 * count),
    extraChannels: e,
    extras: alloc(e * count),
  };
  const c2w = invertRigid(cam.worldToCamera);
  const tanX = W / (2 * cam.fx);
  const tanY = H / (2 * cam.fy);
  for (let i = 0; i < count; i++) {
    const kind = rng.int(12);
    let z = rng.uniform(0.3, 3);
    let rx = rng.uniform(-1.1, 1.1) * tanX;
    let ry = rng.uniform(-1.1, 1.1) * tanY;
    let logS = Math.log((rng.uniform(0.3, 8) * z) / cam.fx);
    if (kind === 0) rx = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(1.3, 3) * tanX;
    else if (kind === 1) ry = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(1.3, 3) * tanY;
    else if (kind === 2) z = rng.uniform(-1, DEFAULT_NEAR);
    else if (kind === 3) z = DEFAULT_NEAR;
    else if (kind === 4) logS = rng.uniform(-25, -15);
    else if (kind === 5) logS = rng.uniform(0, 3);
    else if (kind === 6) {
      rx = 0;
      ry = 0;
    }
    const v = [rx * z, ry * z, z];
    for (let r = 0; r < 3; r++)
      cloud.means[3 * i + r] =
        c2w[4 * r] * v[0] + c2w[4 * r + 1] * v[1] + c2w[4 * r + 2] * v[2] + c2w[4 * r + 3];
    const qKind = rng.int(10);
    for (let k = 0; k < 4; k++)
      cloud.quaternions[4 * i + k] =
        qKind === 0 ? 0 : qKind === 1 ? 1e-30 * rng.normal() : qKind === 2 ? (k === 0 ? 1 : 0) : rng.normal();
    for (let k = 0; k < 3; k++) cloud.logScales[3 * i + k] = logS + (kind === 7 ? 0 : rng.uniform(-1, 1));
    cloud.logitOpacities[i] = rng.uniform(-6, 6);
    for (let k = 0; k < 3; k++) cloud.colors[3 * i + k] = rng.next();
    for (let k = 0; k < e; k++) cloud.extras[e * i + k] = rng.uniform(-1, 1);
  }
  return cloud;
}

function assertSameArray(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < actual.length; k++)
    if (!Object.is(actual[k], expected[k]))
      assert.fail(`${what}[${k}]: ${actual[k]} but the reference gives ${expected[k]}`);
}

function assertSameRecord(actual: object, expected: object, what: string): void {
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${what}: fields`);
  for (const key of Object.keys(e)) {
    const ev = e[key];
    const av = a[key];
    if (ArrayBuffer.isView(ev)) {
      assert.equal(av?.constructor, ev.constructor, `${what}.${key}: array type`);
      assertSameArray(av as ArrayLike<number>, ev as unknown as ArrayLike<number>, `${what}.${key}`);
    } else
      assert.ok(Object.is(av, ev), `${what}.${key}: ${String(av)} but the reference gives ${String(ev)}`);
  }
}

function tileGradients(seed: number, count: number, channels: number): TileGradientsLike {
  const rng = new Random(seed);
  // Exact zeros too: most Gaussians of a real render get no gradient through some of their parameters.
  const draw = (n: number) => Float32Array.from({ length: n }, () => (rng.next() < 0.2 ? 0 : rng.normal()));
  return {
    dMeanX: draw(count),
    dMeanY: draw(count),
    dConicA: draw(count),
    dConicB: draw(count),
    dConicC: draw(count),
    dOpacity: draw(count),
    dFeatures: draw(count * channels),
  };
}

const COUNT = 3000;

test('projectOne leaves exactly the reference intermediates, Gaussian by Gaussian', () => {
  let projected = 0;
  for (const [c, cam] of cameras().entries())
    for (const convention of ['3dgs', 'opencv'] as PixelConvention[]) {
      const frame = cameraFrame(cam, convention, DEFAULT_NEAR);
      for (const alloc of [float32, float64] as ((n: number) => FloatArray)[]) {
        const cloud = edgeCloud(10 + c, COUNT, cam, alloc);
        const s = new EwaScratch();
        const r = new EwaScratch();
        for (let i = 0; i < COUNT; i++) {
          const ok = projectOne(cloud, i, frame, s);
          assert.equal(ok, projectOneReference(cloud, i, frame, r), `Gaussian ${i}: culled`);
          if (!ok) continue;
          projected++;
          assertSameRecord(s, r, `Gaussian ${i} scratch`);
        }
      }
    }
  assert.ok(projected > 4 * COUNT, 'most Gaussians are projected');
});

test('projectGaussiansAs and projectGaussiansBackwardAs match the reference bit for bit', () => {
  for (const [c, cam] of cameras().entries())
    for (const pixelConvention of ['3dgs', 'opencv'] as PixelConvention[])
      for (const alloc of [float32, float64] as ((n: number) => FloatArray)[]) {
        const cloud = edgeCloud(20 + c, COUNT, cam, alloc);
        const what = `camera ${c}, ${pixelConvention}, ${alloc === float32 ? 'float32' : 'float64'}`;
        const p = projectGaussiansAs(cloud, cam, { pixelConvention }, alloc);
        const ref = projectGaussiansAsReference(cloud, cam, { pixelConvention }, alloc);
        assertSameRecord(p, ref, `${what}: projection`);
        let visible = 0;
        let clamped = 0;
        for (let i = 0; i < COUNT; i++) {
          if (ref.radius[i] > 0) visible++;
          if (ref.clampFlags[i] !== 0) clamped++;
        }
        assert.ok(visible > COUNT / 3 && visible < COUNT, `${what}: some visible, some culled`);
        assert.ok(clamped > 20, `${what}: the Jacobian clamp is exercised`);
        const grads = tileGradients(30 + c, COUNT, ref.channels);
        assertSameRecord(
          projectGaussiansBackwardAs(cloud, cam, ref, grads, alloc),
          projectGaussiansBackwardAsReference(cloud, cam, ref, grads, alloc),
          `${what}: gradients`,
        );
      }
});
