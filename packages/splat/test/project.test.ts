import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  lookAt,
  type Mat4,
  multiply4,
  type PinholeCamera,
  project,
  quatToMatrix,
  Random,
  type Vec3,
  worldToCameraPoint,
} from '@gsdyn/geometry';
import { float64 } from '../src/float-array.js';
import { CLAMPED_X, CLAMPED_Y, projectGaussians, projectGaussiansAs } from '../src/project.js';
import type { GaussianCloud } from '../src/types.js';

/** A general pose: lookAt followed by a roll about the optical axis, so that no axis is special. */
function generalCamera(): PinholeCamera {
  const roll = 0.37;
  const c = Math.cos(roll);
  const s = Math.sin(roll);
  const r: Mat4 = Float64Array.from([c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  return {
    width: 64,
    height: 48,
    fx: 70,
    fy: 66,
    cx: 31.2,
    cy: 24.9,
    worldToCamera: multiply4(r, lookAt([0.6, -0.7, 0.5], [0.05, 0.02, 0.1])),
  };
}

function cloudOf(means: Vec3[], logScale = Math.log(0.01), extraChannels = 0): GaussianCloud {
  const n = means.length;
  const rng = new Random(17);
  return {
    count: n,
    means: Float32Array.from(means.flat()),
    quaternions: Float32Array.from({ length: 4 * n }, () => rng.normal()),
    logScales: Float32Array.from({ length: 3 * n }, () => logScale + rng.uniform(-0.3, 0.3)),
    logitOpacities: Float32Array.from({ length: n }, () => rng.uniform(-2, 2)),
    colors: Float32Array.from({ length: 3 * n }, () => rng.next()),
    extraChannels,
    extras: Float32Array.from({ length: extraChannels * n }, () => rng.next()),
  };
}

/** Points around the look-at target, all in front of the camera and inside the view. */
function pointsInView(cam: PinholeCamera, count: number, seed: number): Vec3[] {
  const rng = new Random(seed);
  const out: Vec3[] = [];
  while (out.length < count) {
    const p: Vec3 = [rng.uniform(-0.2, 0.3), rng.uniform(-0.2, 0.25), rng.uniform(-0.1, 0.3)];
    const { u, v, z } = project(cam, p);
    if (z > 0.3 && u > 2 && u < cam.width - 2 && v > 2 && v < cam.height - 2) out.push(p);
  }
  return out;
}

test('a Gaussian projects exactly where K x worldToCamera puts it, with the half-pixel shift for 3dgs', () => {
  const cam = generalCamera();
  const points = pointsInView(cam, 20, 1);
  const cloud = cloudOf(points);
  const p3 = projectGaussiansAs(cloud, cam, {}, float64);
  const pc = projectGaussiansAs(cloud, cam, { pixelConvention: 'opencv' }, float64);
  const p32 = projectGaussians(cloud, cam);
  for (let i = 0; i < points.length; i++) {
    // The oracle projects the float32-stored mean, exactly what the projection sees.
    const m: Vec3 = [cloud.means[3 * i], cloud.means[3 * i + 1], cloud.means[3 * i + 2]];
    const { u, v, z } = project(cam, m);
    assert.ok(p3.radius[i] > 0);
    assert.ok(Math.abs(p3.meanX[i] - (u - 0.5)) < 1e-9 && Math.abs(p3.meanY[i] - (v - 0.5)) < 1e-9);
    assert.ok(Math.abs(pc.meanX[i] - u) < 1e-9 && Math.abs(pc.meanY[i] - v) < 1e-9);
    assert.ok(Math.abs(p3.depth[i] - z) < 1e-12);
    assert.ok(Math.abs(p32.meanX[i] - (u - 0.5)) < 1e-4 && Math.abs(p32.meanY[i] - (v - 0.5)) < 1e-4);
    const t = worldToCameraPoint(cam, m);
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(p3.viewMeans[3 * i + k] - t[k]) < 1e-12);
  }
});

/** d(u, v)/d(world point) by central differences of geometry's project(): the EWA Jacobian J W. */
function projectionJacobian(cam: PinholeCamera, p: Vec3): number[][] {
  const h = 1e-6;
  const rows = [
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let k = 0; k < 3; k++) {
    const a: Vec3 = [...p];
    const b: Vec3 = [...p];
    a[k] += h;
    b[k] -= h;
    const pa = project(cam, a);
    const pb = project(cam, b);
    rows[0][k] = (pa.u - pb.u) / (2 * h);
    rows[1][k] = (pa.v - pb.v) / (2 * h);
  }
  return rows;
}

function covariance3D(cloud: GaussianCloud, i: number): number[][] {
  const q = Array.from(cloud.quaternions.subarray(4 * i, 4 * i + 4)) as [number, number, number, number];
  const R = quatToMatrix(q);
  const s = Array.from(cloud.logScales.subarray(3 * i, 3 * i + 3), Math.exp);
  const S = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      for (let k = 0; k < 3; k++) S[r][c] += R[3 * r + k] * s[k] * s[k] * R[3 * c + k];
  return S;
}

function sandwich(J: number[][], S: number[][]): [number, number, number] {
  const out = [
    [0, 0],
    [0, 0],
  ];
  for (let r = 0; r < 2; r++)
    for (let c = 0; c < 2; c++)
      for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) out[r][c] += J[r][k] * S[k][l] * J[c][l];
  return [out[0][0], out[0][1], out[1][1]];
}

test('3D covariance is R S S^T R^T and the 2D one is the projection Jacobian sandwich plus 0.3 px^2', () => {
  const cam = generalCamera();
  const points = pointsInView(cam, 20, 2);
  const cloud = cloudOf(points, Math.log(0.02));
  const p = projectGaussiansAs(cloud, cam, {}, float64);
  for (let i = 0; i < cloud.count; i++) {
    assert.equal(p.clampFlags[i], 0);
    const S = covariance3D(cloud, i);
    const upper = [S[0][0], S[0][1], S[0][2], S[1][1], S[1][2], S[2][2]];
    for (let k = 0; k < 6; k++)
      assert.ok(Math.abs(p.cov3D[6 * i + k] - upper[k]) < 1e-9 * Math.abs(S[0][0] + S[1][1]));
    const m: Vec3 = [cloud.means[3 * i], cloud.means[3 * i + 1], cloud.means[3 * i + 2]];
    const [a, b, c] = sandwich(projectionJacobian(cam, m), S);
    const scale = a + c;
    assert.ok(Math.abs(p.cov2D[3 * i] - (a + 0.3)) < 1e-6 * scale);
    assert.ok(Math.abs(p.cov2D[3 * i + 1] - b) < 1e-6 * scale);
    assert.ok(Math.abs(p.cov2D[3 * i + 2] - (c + 0.3)) < 1e-6 * scale);
    // The conic is the inverse of the dilated covariance.
    const A = p.conicA[i];
    const B = p.conicB[i];
    const C = p.conicC[i];
    const [ca, cb, cc] = [p.cov2D[3 * i], p.cov2D[3 * i + 1], p.cov2D[3 * i + 2]];
    assert.ok(Math.abs(A * ca + B * cb - 1) < 1e-12 && Math.abs(A * cb + B * cc) < 1e-12);
    assert.ok(Math.abs(B * cb + C * cc - 1) < 1e-12);
    // Radius: 3 sigma of the largest eigenvalue, the discriminant floored at 0.1.
    const mid = (ca + cc) / 2;
    const lambda = mid + Math.sqrt(Math.max(0.1, mid * mid - (ca * cc - cb * cb)));
    assert.equal(p.radius[i], Math.ceil(3 * Math.sqrt(lambda)));
    const o = 1 / (1 + Math.exp(-cloud.logitOpacities[i]));
    assert.ok(Math.abs(p.opacity[i] - o) < 1e-12);
  }
});

test('an isotropic Gaussian has radius ceil(3 sqrt(sigma^2 + sqrt(0.1))) (the discriminant floor)', () => {
  const cam: PinholeCamera = { ...generalCamera(), fy: 70 };
  const cloud = cloudOf([[0, 0, 0]]);
  cloud.quaternions.set([1, 0, 0, 0]);
  cloud.logScales.fill(Math.log(0.03));
  // On the optical axis of an identity pose at depth 1.5.
  cam.worldToCamera = Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1.5, 0, 0, 0, 1]);
  const p = projectGaussiansAs(cloud, cam, {}, float64);
  const s = Math.exp(cloud.logScales[0]);
  const sigma2 = ((70 * s) / 1.5) ** 2 + 0.3;
  assert.ok(Math.abs(p.cov2D[0] - sigma2) < 1e-9 && Math.abs(p.cov2D[2] - sigma2) < 1e-9);
  assert.ok(Math.abs(p.cov2D[1]) < 1e-12);
  assert.equal(p.radius[0], Math.ceil(3 * Math.sqrt(sigma2 + Math.sqrt(0.1))));
});

test('beyond 1.3 tan(fov/2) the Jacobian is taken at the clamped direction, and the flags say so', () => {
  const cam = generalCamera();
  cam.worldToCamera = Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  const limX = 1.3 * (cam.width / (2 * cam.fx));
  const limY = 1.3 * (cam.height / (2 * cam.fy));
  const z = 1;
  // Big enough to reach into the image from outside the clamp cone.
  const cloud = cloudOf(
    [
      [1.1 * limX * z, 0.1, z],
      [-0.1, -1.2 * limY * z, z],
    ],
    Math.log(0.25),
  );
  const p = projectGaussiansAs(cloud, cam, {}, float64);
  assert.equal(p.clampFlags[0], CLAMPED_X);
  assert.equal(p.clampFlags[1], CLAMPED_Y);
  const clampedAt: Vec3[] = [
    [limX * z, cloud.means[1], z],
    [cloud.means[3], -limY * z, z],
  ];
  for (let i = 0; i < 2; i++) {
    assert.ok(p.radius[i] > 0, 'still visible');
    const [a, b, c] = sandwich(projectionJacobian(cam, clampedAt[i]), covariance3D(cloud, i));
    const scale = a + c;
    assert.ok(Math.abs(p.cov2D[3 * i] - (a + 0.3)) < 1e-6 * scale);
    assert.ok(Math.abs(p.cov2D[3 * i + 1] - b) < 1e-6 * scale);
    assert.ok(Math.abs(p.cov2D[3 * i + 2] - (c + 0.3)) < 1e-6 * scale);
    // The mean itself is not clamped.
    const { u } = project(cam, [cloud.means[3 * i], cloud.means[3 * i + 1], cloud.means[3 * i + 2]]);
    assert.ok(Math.abs(p.meanX[i] - (u - 0.5)) < 1e-9);
  }
});

test('culling: at or behind the near plane, off screen, zero quaternion; the near plane is an option', () => {
  const cam = generalCamera();
  cam.worldToCamera = Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  const cloud = cloudOf([
    [0, 0, 0.19],
    [0, 0, 0.21],
    [0, 0, -1],
    [5, 0, 1],
    [0, 0, 1],
    [0, 0, 0.3],
  ]);
  cloud.quaternions.set([0, 0, 0, 0], 16);
  const p = projectGaussians(cloud, cam);
  assert.deepEqual(
    Array.from(p.radius, (r) => r > 0),
    [false, true, false, false, false, true],
  );
  for (const i of [0, 2, 3, 4]) {
    assert.equal(p.meanX[i], 0);
    assert.equal(p.opacity[i], 0);
  }
  const q = projectGaussians(cloud, cam, { near: 0.5 });
  assert.deepEqual(
    Array.from(q.radius, (r) => r > 0),
    [false, false, false, false, false, false],
  );
});

test('features are colours then extras; bad input is rejected with the field named', () => {
  const cam = generalCamera();
  const cloud = cloudOf(pointsInView(cam, 3, 5), Math.log(0.01), 2);
  const p = projectGaussians(cloud, cam);
  assert.equal(p.channels, 5);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(
      Array.from(p.features.subarray(5 * i, 5 * i + 3)),
      Array.from(cloud.colors.subarray(3 * i, 3 * i + 3)),
    );
    assert.deepEqual(
      Array.from(p.features.subarray(5 * i + 3, 5 * i + 5)),
      Array.from(cloud.extras.subarray(2 * i, 2 * i + 2)),
    );
  }
  assert.throws(
    () => projectGaussians({ ...cloud, logScales: new Float32Array(2) }, cam),
    /logScales must have 9 values/,
  );
  assert.throws(() => projectGaussians(cloud, { ...cam, fx: 0 }), /camera\.fx/);
  assert.throws(() => projectGaussians(cloud, { ...cam, width: 10.5 }), /camera\.width/);
});
