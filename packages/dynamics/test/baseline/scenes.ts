// Small synthetic rollout problems for the baseline tests (not a test file itself).
import { Random } from '@gsdyn/geometry';
import type { RolloutProblem } from '../../src/baseline/rollout-problem.js';

export const TOOL_RADIUS = 0.015;

/** Particles as a flat list of points, placed twice in the history (at rest) unless `velocity` is given. */
export function problemFrom(
  points: number[][],
  toolPath: number[][],
  options: { velocity?: number[]; historyFrames?: number } = {},
): RolloutProblem {
  const n = points.length;
  const frames = options.historyFrames ?? 2;
  const history = new Float32Array(frames * 3 * n);
  const v = options.velocity ?? [0, 0, 0];
  for (let f = 0; f < frames; f++) {
    const back = frames - 1 - f;
    points.forEach((p, i) => {
      history.set([p[0] - back * v[0], p[1] - back * v[1], p[2] - back * v[2]], (f * n + i) * 3);
    });
  }
  // The tool is at its first path position during the whole history.
  const tool = new Float32Array((frames - 1 + toolPath.length) * 3);
  for (let f = 0; f < frames - 1; f++) tool.set(toolPath[0], 3 * f);
  toolPath.forEach((t, k) => {
    tool.set(t, 3 * (frames - 1 + k));
  });
  return { objectCount: n, history, tool, toolRadius: TOOL_RADIUS };
}

/** A straight tool path from `start`, `steps` steps of `step` (3-vector) each; the first entry is the start. */
export function straightPath(start: number[], step: number[], steps: number): number[][] {
  return Array.from({ length: steps + 1 }, (_, k) => start.map((v, a) => v + k * step[a]));
}

/** A rope of `n` particles 1.5 cm apart along x, centred at the origin, resting at height z. */
export function ropePoints(n: number, z = 0.01): number[][] {
  return Array.from({ length: n }, (_, i) => [(i - (n - 1) / 2) * 0.015, 0, z]);
}

/** A rectangular sheet of nx x ny particles `spacing` apart with its corner at (x0, y0), at height z. */
export function sheetPoints(
  nx: number,
  ny: number,
  spacing: number,
  x0: number,
  y0: number,
  z = 0.003,
): number[][] {
  const out: number[][] = [];
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) out.push([x0 + i * spacing, y0 + j * spacing, z]);
  return out;
}

/** A lumpy 3D blob of n particles around (cx, cy) in a ball of `radius`, lifted so its lowest point is at zMin. */
export function blobPoints(
  n: number,
  cx: number,
  cy: number,
  radius: number,
  seed: number,
  zMin = 0.005,
): number[][] {
  const rng = new Random(seed);
  const pts: number[][] = [];
  while (pts.length < n) {
    const p = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
    if (Math.hypot(p[0], p[1], p[2]) > 1) continue;
    pts.push([cx + radius * p[0], cy + radius * p[1], radius * p[2]]);
  }
  const low = Math.min(...pts.map((p) => p[2]));
  for (const p of pts) p[2] += zMin - low;
  return pts;
}

/** Particle i of step s of a rollout (steps x n x 3). */
export function at(rollout: Float32Array, n: number, s: number, i: number): number[] {
  const o = (s * n + i) * 3;
  return [rollout[o], rollout[o + 1], rollout[o + 2]];
}
