// Rollout windows cut from a simulated episode of packages/sim, for the baseline's real-data test (not a test file).
import { simulateObject } from '@gsdyn/sim';
import type { RolloutWindow } from '../../src/baseline/rollout-problem.js';

/**
 * Windows of `history` + `horizon` frames `stride` frames apart (about 1 cm of pushing at the simulator's 8 cm/s
 * and 15 fps for stride 2), keeping every `particleStride`-th particle, and only windows where the tool stays
 * down on the table and something moves by at least 5 mm.
 */
export function ropeWindows(
  seed: number,
  options: { frames: number; history: number; horizon: number; stride: number; particleStride: number },
): RolloutWindow[] {
  const sim = simulateObject('rope', { frames: options.frames, seed });
  const { history: h, horizon, stride, particleStride } = options;
  const keep = Array.from(
    { length: Math.ceil(sim.particleCount / particleStride) },
    (_, i) => i * particleStride,
  );
  const m = keep.length;
  const frame = (f: number, out: Float32Array, slot: number) => {
    keep.forEach((p, i) => {
      out.set(sim.particles[f].subarray(3 * p, 3 * p + 3), (slot * m + i) * 3);
    });
  };
  const windows: RolloutWindow[] = [];
  for (let f0 = 0; f0 + (h + horizon - 1) * stride < options.frames; f0 += stride) {
    const frames = Array.from({ length: h + horizon }, (_, k) => f0 + k * stride);
    if (frames.some((f) => sim.endEffector[f][2] > 0.02)) continue;
    const history = new Float32Array(h * 3 * m);
    const future = new Float32Array(horizon * 3 * m);
    const tool = new Float32Array((h + horizon) * 3);
    frames.forEach((f, k) => {
      tool.set(sim.endEffector[f], 3 * k);
      if (k < h) frame(f, history, k);
      else frame(f, future, k - h);
    });
    let moved = 0;
    const current = history.subarray((h - 1) * 3 * m);
    const last = future.subarray((horizon - 1) * 3 * m);
    for (let i = 0; i < current.length; i++) moved = Math.max(moved, Math.abs(last[i] - current[i]));
    if (moved >= 0.005) windows.push({ objectCount: m, history, future, tool, toolRadius: sim.pusherRadius });
  }
  return windows;
}
