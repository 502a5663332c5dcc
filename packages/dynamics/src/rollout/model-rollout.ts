import { rolloutGraphInput } from '../dataset/training-sample.js';
import { batchGraphs } from '../graph/batch-graphs.js';
import { buildGraph } from '../graph/build-graph.js';
import type { PropNetConfig, PropNetParams } from '../model/config.js';
import { propNetForward } from '../model/forward.js';
import type { ObjectConfig } from '../object-config.js';
import type { DisplacementRunner } from '../onnx/session.js';

/** The start of a rollout and the end-effector path it follows (the fields of a training sample). */
export interface RolloutStart {
  objectCount: number;
  /** history x objectCount x 3, oldest first; the last frame is the current state. */
  history: Float32Array;
  /** (history + steps) x 3: the end effector at every frame, the known past then the planned future. */
  tool: Float32Array;
}

/**
 * Rolls the learned dynamics out from each start along its end-effector path, as the reference does at inference
 * (reference-implementation.md 4.1 and 6): at every step the graph (vertices' edges and features) is rebuilt from
 * the current history, the network predicts every particle's displacement, and the history shifts by one frame
 * with the predicted objects and the given end effector. All starts advance together, as one batch per step
 * (they may differ in particle count and in steps: a start with fewer steps drops out of later batches).
 * Returns, per start, its steps x objectCount x 3 predicted states.
 */
export async function rolloutModel(
  runner: DisplacementRunner,
  config: ObjectConfig,
  starts: readonly RolloutStart[],
): Promise<Float32Array[]> {
  const H = config.history;
  const steps = starts.map((s, i) => {
    const n = s.tool.length / 3 - H;
    if (!Number.isInteger(n) || n < 1 || s.history.length !== H * s.objectCount * 3)
      throw new RangeError(
        `rolloutModel: start ${i} has history ${s.history.length} values and tool ${s.tool.length} values, expected ` +
          `${H} x ${s.objectCount} x 3 and at least ${H + 1} x 3`,
      );
    return n;
  });
  const histories = starts.map((s) => s.history.slice());
  const outputs = starts.map((s, i) => new Float32Array(steps[i] * s.objectCount * 3));
  const longest = Math.max(...steps);
  for (let step = 0; step < longest; step++) {
    const active = starts.map((_, i) => i).filter((i) => step < steps[i]);
    const graphs = active.map((i) => buildGraph(rolloutGraphInput(starts[i], step, histories[i], H), config));
    const { batch, samples } = batchGraphs(graphs);
    const displacement = await runner.run(batch);
    active.forEach((i, b) => {
      const n = starts[i].objectCount;
      const history = histories[i];
      const offset = 3 * samples[b].objectOffset;
      const next = new Float32Array(n * 3);
      const current = (H - 1) * n * 3;
      for (let k = 0; k < 3 * n; k++) next[k] = history[current + k] + displacement[offset + k];
      outputs[i].set(next, step * n * 3);
      history.copyWithin(0, n * 3);
      history.set(next, current);
    });
  }
  return outputs;
}

/** The plain TypeScript reference forward as a runner: no onnxruntime, for tests and small jobs. */
export function referenceRunner(params: PropNetParams, config: PropNetConfig): DisplacementRunner {
  let disposed = false;
  return {
    run: async (batch) => {
      if (disposed) throw new Error('referenceRunner: disposed');
      return propNetForward(params, config, batch);
    },
    dispose: async () => {
      disposed = true;
    },
  };
}
