import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cameraCentre, lookAt, type PinholeCamera, project, Random } from '@gsdyn/geometry';
import { median, metrics2d, metrics3d } from '../src/metrics/track-metrics.js';

const T = 5;
const K = 40;

function randomTracks(seed: number): Float32Array {
  const rng = new Random(seed);
  const a = new Float32Array(T * K * 3);
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-0.2, 0.2);
  // Keep the object above the table, as the cameras below look at it.
  for (let i = 2; i < a.length; i += 3) a[i] = Math.abs(a[i]);
  return a;
}

function offset(tracks: Float32Array, d: [number, number, number]): Float32Array {
  const out = tracks.slice();
  for (let i = 0; i < out.length; i++) out[i] += d[i % 3];
  return out;
}

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} is not within ${tol} of ${b}`);

test('perfect tracks: 0 mm, delta_avg 100, survival 100', () => {
  const truth = randomTracks(1);
  const m = metrics3d(truth.slice(), truth, T, K);
  assert.equal(m.medianTrajectoryErrorMm, 0);
  assert.equal(m.deltaAvg, 100);
  assert.deepEqual(m.withinThreshold, [100, 100, 100, 100]);
  assert.deepEqual(m.thresholdsMm, [2, 4, 8, 16]);
  assert.equal(m.survival, 100);
  assert.equal(m.observations, T * K);
});

test('a constant 3 mm offset: MTE 3 mm, 0% within 2 mm, 100% within 4/8/16 mm, delta_avg 75', () => {
  const truth = randomTracks(2);
  const d = 0.003 / Math.sqrt(3);
  const m = metrics3d(offset(truth, [d, -d, d]), truth, T, K);
  close(m.medianTrajectoryErrorMm, 3, 1e-3, 'MTE');
  assert.deepEqual(m.withinThreshold, [0, 100, 100, 100]);
  assert.equal(m.deltaAvg, 75);
  assert.equal(m.survival, 100);
});

test('MTE is the mean over points of the per-point median over frames', () => {
  // Three points, two frames: per-point errors (1, 3), (10, 10), (0, 4) mm -> medians 2, 10, 2 -> mean 14/3.
  // (The median of all six errors would be 3.5, the median of per-point means 2: the definitions differ.)
  const truth = new Float32Array(2 * 3 * 3);
  const pred = truth.slice();
  const errs = [
    [1, 10, 0],
    [3, 10, 4],
  ];
  for (let t = 0; t < 2; t++) for (let k = 0; k < 3; k++) pred[(t * 3 + k) * 3] = errs[t][k] / 1000;
  const m = metrics3d(pred, truth, 2, 3, { thresholdsMm: [5] });
  close(m.medianTrajectoryErrorMm, 14 / 3, 1e-4, 'MTE');
  // 4 of 6 errors are < 5 mm.
  close(m.withinThreshold[0], (100 * 4) / 6, 1e-9, 'within 5 mm');
  close(m.deltaAvg, (100 * 4) / 6, 1e-9, 'delta_avg');
});

test('one point jumping 1 m at frame 2 survives 2 of T frames; 0.4 m does not kill it', () => {
  const truth = randomTracks(3);
  const pred = truth.slice();
  pred[(2 * K + 7) * 3 + 1] += 1;
  const m = metrics3d(pred, truth, T, K);
  // Survival averages, over tracks, the fraction of frames before the first failure: K - 1 tracks at 1, one at 2/T.
  close(m.survival, (100 * (K - 1 + 2 / T)) / K, 1e-9, 'survival');
  // The jump is one of T*K observations.
  close(m.withinThreshold[3], 100 - 100 / (T * K), 1e-9, 'within 16 mm');
  assert.equal(m.medianTrajectoryErrorMm, 0);
  const near = truth.slice();
  near[(2 * K + 7) * 3 + 1] += 0.4;
  assert.equal(metrics3d(near, truth, T, K).survival, 100);
  assert.equal(metrics3d(pred, truth, T, K, { deathM: 1.5 }).survival, 100);
});

test('a non-finite prediction counts as lost, not as a crash', () => {
  const truth = randomTracks(4);
  const pred = truth.slice();
  pred[0] = Number.NaN;
  const m = metrics3d(pred, truth, T, K);
  close(m.survival, 100 - 100 / K, 1e-9, 'survival');
  assert.equal(m.medianTrajectoryErrorMm, 0);
});

test('shape mismatches are rejected with the expected shape', () => {
  const truth = randomTracks(5);
  assert.throws(
    () => metrics3d(truth.subarray(3), truth, T, K),
    /pred has .* expected \(frames, points, 3\) = \(5, 40, 3\)/,
  );
  assert.throws(() => metrics2d(truth, truth, T, K, [], new Uint8Array(1)), /visibility has 1 values/);
  assert.throws(() => metrics3d(truth, truth, T, K, { thresholdsMm: [] }), /thresholdsMm/);
});

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

function ringCameras(width: number, height: number): PinholeCamera[] {
  return [0, 1, 2].map((i) => {
    const a = (2 * Math.PI * i) / 3;
    return {
      width,
      height,
      fx: 300 + 20 * i,
      fy: 280 + 30 * i,
      cx: (width - 1) / 2,
      cy: (height - 1) / 2,
      worldToCamera: lookAt([0.8 * Math.cos(a), 0.8 * Math.sin(a), 0.6], [0, 0, 0.05]),
    };
  });
}

test('2D: an offset along the camera ray gives 0 px error in that camera, a lateral one does not', () => {
  const truth = randomTracks(6);
  const cams = ringCameras(320, 240);
  const cam = cams[0];
  const centre = cameraCentre(cam);
  const along = truth.slice();
  for (let p = 0; p < T * K; p++) {
    const i = 3 * p;
    const r = [truth[i] - centre[0], truth[i + 1] - centre[1], truth[i + 2] - centre[2]];
    const n = Math.hypot(r[0], r[1], r[2]);
    for (let a = 0; a < 3; a++) along[i + a] = truth[i + a] + (0.05 * r[a]) / n; // 5 cm further along the ray
  }
  const only0 = new Uint8Array(T * cams.length * K);
  for (let t = 0; t < T; t++) only0.fill(1, t * cams.length * K, t * cams.length * K + K);
  const m2 = metrics2d(along, truth, T, K, cams, only0);
  assert.equal(m2.observations, T * K);
  assert.ok(m2.medianTrajectoryErrorMm < 1e-2, `along the ray: ${m2.medianTrajectoryErrorMm} mm`);
  assert.equal(m2.deltaAvg, 100);
  // The same 3D displacement is 50 mm in 3D.
  close(metrics3d(along, truth, T, K).medianTrajectoryErrorMm, 50, 1e-3, '3D MTE');
  // Seen from another camera it is not along the ray.
  const only1 = new Uint8Array(T * cams.length * K);
  for (let t = 0; t < T; t++) only1.fill(1, t * cams.length * K + K, t * cams.length * K + 2 * K);
  assert.ok(metrics2d(along, truth, T, K, cams, only1).medianTrajectoryErrorMm > 10);
});

test('2D: pixel error converted to mm at the truth depth with f = (fx + fy) / 2 (hand-computed)', () => {
  // Camera at the origin looking down +z (identity world-to-camera), fx 400, fy 600, f = 500.
  const cam: PinholeCamera = {
    width: 64,
    height: 48,
    fx: 400,
    fy: 600,
    cx: 31.5,
    cy: 23.5,
    worldToCamera: Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
  };
  const truth = Float32Array.from([0, 0, 2, 0.01, 0, 2]);
  // Point 0 moves 1 mm in x: du = 400 * 0.001 / 2 = 0.2 px -> 0.2 * 2 / 500 m = 0.8 mm.
  // Point 1 moves 2 mm in y: dv = 600 * 0.002 / 2 = 0.6 px -> 0.6 * 2 / 500 m = 2.4 mm.
  const pred = Float32Array.from([0.001, 0, 2, 0.01, 0.002, 2]);
  assert.ok(Math.abs(project(cam, [0.001, 0, 2]).u - project(cam, [0, 0, 2]).u - 0.2) < 1e-12);
  const m = metrics2d(pred, truth, 1, 2, [cam], Uint8Array.from([1, 1]), { thresholdsMm: [1, 2, 3] });
  close(m.medianTrajectoryErrorMm, (0.8 + 2.4) / 2, 1e-5, 'MTE');
  assert.deepEqual(m.withinThreshold, [50, 50, 100]);
  // Invisible observations do not count.
  const one = metrics2d(pred, truth, 1, 2, [cam], Uint8Array.from([0, 1]), { thresholdsMm: [1, 2, 3] });
  assert.equal(one.observations, 1);
  close(one.medianTrajectoryErrorMm, 2.4, 1e-5, 'MTE of point 1');
  assert.equal(one.survival, 100);
});

test('2D: a prediction behind the camera is an infinite error; no visible observations give NaN', () => {
  const cam = ringCameras(64, 48)[0];
  const truth = Float32Array.from([0, 0, 0.05]);
  const centre = cameraCentre(cam);
  const behind = Float32Array.from([2 * centre[0], 2 * centre[1], 2 * centre[2] - 0.05]);
  const m = metrics2d(behind, truth, 1, 1, [cam], Uint8Array.from([1]));
  assert.equal(m.survival, 0);
  assert.equal(m.deltaAvg, 0);
  const none = metrics2d(behind, truth, 1, 1, [cam], Uint8Array.from([0]));
  assert.equal(none.observations, 0);
  assert.ok(
    Number.isNaN(none.medianTrajectoryErrorMm) && Number.isNaN(none.survival) && Number.isNaN(none.deltaAvg),
  );
});
