import { join } from 'node:path';
import { EPISODE_MANIFEST_FILE, readEpisode } from '@gsdyn/formats';
import { readTracks, TRACKS_MANIFEST_FILE } from '../track-dir.js';
import { associatePoints, predictPoints } from './association.js';
import {
  median,
  metrics2d,
  metrics3d,
  type TrackMetrics,
  type TrackMetricsOptions,
} from './track-metrics.js';

export interface TrackEvaluation {
  /** Gaussians blended per truth point, and the number of truth points. */
  association: { k: number; points: number };
  frames: number;
  metrics3d: TrackMetrics;
  /** Present when the episode has truth/surface_visibility. */
  metrics2d?: TrackMetrics;
  /** Per frame, the median over truth points of the 3D error, millimetres. */
  perFrameMedianMm: number[];
  /**
   * 3D metrics over the truth points that move: those whose true position leaves a ball of MOVING_POINT_M around
   * where it started. A push moves part of the object, and the median over every point mostly sees the still part;
   * this row shows how well the motion itself is followed. Absent when no point moves that far.
   */
  moving?: { points: number; metrics3d: TrackMetrics };
}

/** A truth point "moves" when it gets this far (metres) from its frame-0 position at some frame. */
export const MOVING_POINT_M = 0.01;

export interface EvaluateTracksOptions extends TrackMetricsOptions {
  /** Gaussians blended per truth point (default 3; 1 = the nearest Gaussian). */
  k?: number;
}

/**
 * Scores a track directory against the ground-truth surface points of the episode it tracked: each truth point is
 * associated at frame 0 with its k nearest Gaussians and its offsets in their local frames (associatePoints),
 * carried through the tracks by their motion (predictPoints), and compared in 3D and, when the episode has visibility, in 2D (see track-metrics.ts).
 */
export async function evaluateTracks(
  trackDir: string,
  episodeDir: string,
  options: EvaluateTracksOptions = {},
): Promise<TrackEvaluation> {
  const tracks = await readTracks(trackDir);
  const episode = await readEpisode(episodeDir);
  const truth = await episode.readTruth();
  const manifestFile = join(episode.dir, EPISODE_MANIFEST_FILE);
  if (truth === undefined)
    throw new Error(
      `${manifestFile}: the episode has no ground truth (field "truth.surfacePoints"); cannot evaluate tracks`,
    );
  const T = tracks.manifest.frames;
  const N = tracks.manifest.gaussians;
  const { count: K } = truth.surfacePoints;
  // Tracks of the first T frames (`gsdyn track --frames T`) are scored against the first T frames of the truth.
  if (T > truth.surfacePoints.frames)
    throw new Error(
      `${join(tracks.dir, TRACKS_MANIFEST_FILE)}: frames is ${T}, but the episode's ground truth ` +
        `${join(episode.dir, episode.manifest.truth?.surfacePoints ?? '')} has only ${truth.surfacePoints.frames} frames`,
    );
  const truthPoints = truth.surfacePoints.data.subarray(0, T * K * 3);
  const C = episode.cameras.length;
  const visibility = truth.surfaceVisibility?.subarray(0, T * C * K);
  const k = options.k ?? 3;
  if (!Number.isInteger(k) || k < 1 || k > N)
    throw new RangeError(
      `evaluateTracks: k must be an integer from 1 to the number of Gaussians (${N}), got ${k}`,
    );

  const association = associatePoints(
    truthPoints.subarray(0, K * 3),
    tracks.means.subarray(0, N * 3),
    k,
    tracks.rotations.subarray(0, N * 4),
  );
  const pred = predictPoints(association, tracks.means, T, N, tracks.rotations);
  const result: TrackEvaluation = {
    association: { k, points: K },
    frames: T,
    metrics3d: metrics3d(pred, truthPoints, T, K, options),
    perFrameMedianMm: perFrameMedian(pred, truthPoints, T, K),
  };
  const moving = movingPoints(truthPoints, T, K);
  if (moving.length > 0)
    result.moving = {
      points: moving.length,
      metrics3d: metrics3d(
        selectPoints(pred, T, K, moving),
        selectPoints(truthPoints, T, K, moving),
        T,
        moving.length,
        options,
      ),
    };
  if (visibility !== undefined)
    result.metrics2d = metrics2d(pred, truthPoints, T, K, episode.cameras, visibility, options);
  return result;
}

function perFrameMedian(pred: Float32Array, truth: Float32Array, frames: number, points: number): number[] {
  const out: number[] = [];
  const e = new Float64Array(points);
  for (let t = 0; t < frames; t++) {
    for (let p = 0; p < points; p++) {
      const i = (t * points + p) * 3;
      e[p] = 1000 * Math.hypot(pred[i] - truth[i], pred[i + 1] - truth[i + 1], pred[i + 2] - truth[i + 2]);
    }
    out.push(median(e));
  }
  return out;
}

function movingPoints(truth: Float32Array, frames: number, points: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < points; p++)
    for (let t = 1; t < frames; t++) {
      const a = 3 * p;
      const b = (t * points + p) * 3;
      if (
        Math.hypot(truth[b] - truth[a], truth[b + 1] - truth[a + 1], truth[b + 2] - truth[a + 2]) >
        MOVING_POINT_M
      ) {
        out.push(p);
        break;
      }
    }
  return out;
}

/** (frames, points, 3) -> (frames, selected, 3). */
function selectPoints(
  tracks: Float32Array,
  frames: number,
  points: number,
  selected: number[],
): Float32Array {
  const out = new Float32Array(frames * selected.length * 3);
  for (let t = 0; t < frames; t++)
    for (let j = 0; j < selected.length; j++) {
      const src = (t * points + selected[j]) * 3;
      out.set(tracks.subarray(src, src + 3), (t * selected.length + j) * 3);
    }
  return out;
}
