import type { PinholeCamera } from '@gsdyn/geometry';

/**
 * Tracking metrics of the paper (Sec. 4.2), with the standard Dyn3DGS / TAP-Vid definitions (reference digest 8).
 * A track is a truth point in 3D, and a truth point seen from one camera in 2D; its observations are the frames
 * (in 3D: all frames; in 2D: the frames where the point is visible in that camera), in time order, and e_o is the
 * error in millimetres (below). Then:
 *
 * - medianTrajectoryErrorMm (MTE): for every track the MEDIAN of its errors over its observations, then the MEAN of
 *   those per-track medians over the tracks that have observations (even count: mean of the two middle values).
 * - withinThreshold[i]: percent of all observations (point-frame pairs in 3D, point-frame-camera triples in 2D) with
 *   e_o < thresholdsMm[i] (strictly less). Default thresholds 2, 4, 8, 16 mm.
 * - deltaAvg: mean of withinThreshold over the thresholds, percent.
 * - survival: for every track, the fraction of its observations before the first one whose error exceeds deathM
 *   (0.5 m), 1 if none does; averaged over tracks, percent.
 * - observations: how many observations were counted.
 *
 * 3D error: e = ||pred - truth|| in metres x 1000.
 * 2D error: both points are projected into the camera (u = fx x/z + cx, v = fy y/z + cy); the pixel distance is
 * converted to millimetres at the truth point's depth: e_mm = e_px * z_truth / f * 1000 with f = (fx + fy) / 2
 * (the paper reports 2D errors in mm). A predicted point on or behind the camera plane has infinite error.
 * Non-finite predictions also count as infinite errors. With no observations at all every statistic is NaN.
 */
export interface TrackMetrics {
  medianTrajectoryErrorMm: number;
  /** Percent: the mean over thresholds of withinThreshold. */
  deltaAvg: number;
  thresholdsMm: number[];
  /** Percent of observations with error < each threshold. */
  withinThreshold: number[];
  /** Percent: the mean over tracks of the fraction of observations before the error first exceeds deathM. */
  survival: number;
  observations: number;
}

export interface TrackMetricsOptions {
  /** Accuracy thresholds, millimetres (default 2, 4, 8, 16: the paper's). */
  thresholdsMm?: number[];
  /** A track dies at its first error above this (metres, default 0.5). */
  deathM?: number;
}

export const DEFAULT_THRESHOLDS_MM: readonly number[] = [2, 4, 8, 16];
export const DEFAULT_DEATH_M = 0.5;

/** 3D metrics of predicted tracks against true ones, both (frames, points, 3) frame-major, metres. */
export function metrics3d(
  pred: Float32Array,
  truth: Float32Array,
  frames: number,
  points: number,
  options: TrackMetricsOptions = {},
): TrackMetrics {
  checkTracks('metrics3d', pred, truth, frames, points);
  const count = frames * points;
  const errors = new Float64Array(count);
  const pointOf = new Uint32Array(count);
  for (let o = 0; o < count; o++) {
    const i = 3 * o;
    errors[o] = 1000 * Math.hypot(pred[i] - truth[i], pred[i + 1] - truth[i + 1], pred[i + 2] - truth[i + 2]);
    pointOf[o] = o % points;
  }
  return summarise(errors, pointOf, points, options);
}

/**
 * 2D metrics: pred and truth (frames, points, 3) projected into every camera; only (t, c, k) with
 * visibility[(t * C + c) * K + k] != 0 (and the truth point in front of the camera) count.
 */
export function metrics2d(
  pred: Float32Array,
  truth: Float32Array,
  frames: number,
  points: number,
  cameras: PinholeCamera[],
  visibility: Uint8Array,
  options: TrackMetricsOptions = {},
): TrackMetrics {
  checkTracks('metrics2d', pred, truth, frames, points);
  const C = cameras.length;
  if (visibility.length !== frames * C * points)
    throw new RangeError(
      `metrics2d: visibility has ${visibility.length} values, expected (frames, cameras, points) = (${frames}, ${C}, ${points})`,
    );
  let visible = 0;
  for (let i = 0; i < visibility.length; i++) if (visibility[i] !== 0) visible++;
  const errors = new Float64Array(visible);
  const pointOf = new Uint32Array(visible);
  let n = 0;
  for (let c = 0; c < C; c++) {
    const cam = cameras[c];
    const m = cam.worldToCamera;
    const f = (cam.fx + cam.fy) / 2;
    for (let t = 0; t < frames; t++) {
      const visBase = (t * C + c) * points;
      for (let k = 0; k < points; k++) {
        if (visibility[visBase + k] === 0) continue;
        const i = (t * points + k) * 3;
        const tx = truth[i];
        const ty = truth[i + 1];
        const tz = truth[i + 2];
        const zt = m[8] * tx + m[9] * ty + m[10] * tz + m[11];
        if (!(zt > 0)) continue;
        const xt = m[0] * tx + m[1] * ty + m[2] * tz + m[3];
        const yt = m[4] * tx + m[5] * ty + m[6] * tz + m[7];
        const px = pred[i];
        const py = pred[i + 1];
        const pz = pred[i + 2];
        const zp = m[8] * px + m[9] * py + m[10] * pz + m[11];
        let e = Number.POSITIVE_INFINITY;
        if (zp > 0) {
          const xp = m[0] * px + m[1] * py + m[2] * pz + m[3];
          const yp = m[4] * px + m[5] * py + m[6] * pz + m[7];
          const du = cam.fx * (xp / zp - xt / zt);
          const dv = cam.fy * (yp / zp - yt / zt);
          e = (1000 * Math.hypot(du, dv) * zt) / f;
        }
        errors[n] = e;
        pointOf[n] = c * points + k;
        n++;
      }
    }
  }
  return summarise(errors.subarray(0, n), pointOf.subarray(0, n), C * points, options);
}

/** The statistics of TrackMetrics from per-observation errors (mm) and the point each observation belongs to. */
export function summarise(
  errorsMm: Float64Array,
  pointOf: Uint32Array,
  points: number,
  options: TrackMetricsOptions = {},
): TrackMetrics {
  const thresholdsMm = [...(options.thresholdsMm ?? DEFAULT_THRESHOLDS_MM)];
  if (thresholdsMm.length === 0 || thresholdsMm.some((t) => !(Number.isFinite(t) && t > 0)))
    throw new RangeError(
      `track metrics: thresholdsMm must be positive finite numbers, got [${thresholdsMm.join(', ')}]`,
    );
  const deathM = options.deathM ?? DEFAULT_DEATH_M;
  if (!(Number.isFinite(deathM) && deathM > 0))
    throw new RangeError(`track metrics: deathM must be a positive number of metres, got ${deathM}`);
  const deathMm = 1000 * deathM;

  // Group the observations per track, keeping their (time) order.
  const observations = errorsMm.length;
  const starts = new Uint32Array(points + 1);
  for (let o = 0; o < observations; o++) starts[pointOf[o] + 1]++;
  for (let p = 0; p < points; p++) starts[p + 1] += starts[p];
  const grouped = new Float64Array(observations);
  const fill = starts.slice(0, points);
  const within = new Array<number>(thresholdsMm.length).fill(0);
  for (let o = 0; o < observations; o++) {
    const e = Number.isFinite(errorsMm[o]) ? errorsMm[o] : Number.POSITIVE_INFINITY;
    grouped[fill[pointOf[o]]++] = e;
    for (let i = 0; i < thresholdsMm.length; i++) if (e < thresholdsMm[i]) within[i]++;
  }

  let medianSum = 0;
  let survivalSum = 0;
  let tracks = 0;
  for (let p = 0; p < points; p++) {
    const errors = grouped.subarray(starts[p], starts[p + 1]);
    if (errors.length === 0) continue;
    tracks++;
    medianSum += median(errors);
    let alive = errors.length;
    for (let i = 0; i < errors.length; i++)
      if (errors[i] > deathMm) {
        alive = i;
        break;
      }
    survivalSum += alive / errors.length;
  }
  const withinThreshold = within.map((w) => (observations > 0 ? (100 * w) / observations : Number.NaN));
  return {
    medianTrajectoryErrorMm: tracks > 0 ? medianSum / tracks : Number.NaN,
    deltaAvg: withinThreshold.reduce((a, b) => a + b, 0) / withinThreshold.length,
    thresholdsMm,
    withinThreshold,
    survival: tracks > 0 ? (100 * survivalSum) / tracks : Number.NaN,
    observations,
  };
}

/** Median (mean of the two middle values for an even count); NaN for no values. */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = n >>> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function checkTracks(
  what: string,
  pred: Float32Array,
  truth: Float32Array,
  frames: number,
  points: number,
): void {
  if (!Number.isInteger(frames) || frames < 1 || !Number.isInteger(points) || points < 1)
    throw new RangeError(`${what}: frames and points must be positive integers, got ${frames} and ${points}`);
  const expected = frames * points * 3;
  if (pred.length !== expected)
    throw new RangeError(
      `${what}: pred has ${pred.length} values, expected (frames, points, 3) = (${frames}, ${points}, 3)`,
    );
  if (truth.length !== expected)
    throw new RangeError(
      `${what}: truth has ${truth.length} values, expected (frames, points, 3) = (${frames}, ${points}, 3)`,
    );
}
