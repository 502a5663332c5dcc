import type { Tape } from '../autodiff/tape.js';
import type { Tensor } from '../autodiff/tensor.js';
import type { TrainingSample } from '../dataset/training-sample.js';
import { batchGraphs } from '../graph/batch-graphs.js';
import { buildEdges } from '../graph/build-edges.js';
import { buildGraph } from '../graph/build-graph.js';
import type { PropNetConfig, PropNetParams } from '../model/config.js';
import type { ObjectConfig } from '../object-config.js';
import { propNetForwardTape } from './tape-forward.js';

export interface RolloutLoss {
  /** 1 x 1: sum over the steps of MSE + edgeLengthWeight * edge-length MSE. */
  loss: Tensor;
  /** Per step, the position MSE (m^2) and the mean particle error (m), as numbers. */
  mse: number[];
  error: number[];
  /** The predicted object positions of every step, horizon x (sum of object counts) x 3, batch order. */
  predictions: Float32Array[];
}

/**
 * The training objective of the reference (reference-implementation.md 4.4), on a batch of samples: roll the
 * network out `horizon` steps; at each step the input history is the previous history shifted by one frame, with
 * the *predicted* object positions (autoregressive, gradients flow through them) and the *true* end effector
 * (teacher-forced tool); the action is the true end-effector displacement. The graph's edges are built once from
 * the last true history frame and kept for the whole rollout, while every feature follows the rolled-out states.
 *
 * Per step: MSE of the predicted against the true positions over the real particles (the reference also averages
 * padded slots; a concatenated batch has none), plus edgeLengthWeight times the MSE of the object-object edge
 * lengths against those of the oldest frame of the current history. The step losses are summed.
 *
 * `positionScale` runs the network in other length units than the metres of the data: every position-derived
 * feature is multiplied by it and the network's output divided by it. The reference feeds metres, where features
 * are ~1e-2 and the first layer's weights must grow a hundredfold before positions matter, which takes Adam far
 * more steps than a CPU budget allows; the trained weights are folded back to metres (foldPositionScale), so the
 * saved model is the reference's function of metres.
 */
export function rolloutLoss(
  tape: Tape,
  params: PropNetParams,
  net: PropNetConfig,
  config: ObjectConfig,
  samples: readonly TrainingSample[],
  positionScale = 1,
): RolloutLoss {
  if (samples.length === 0) throw new RangeError('rolloutLoss: no samples');
  const H = config.history;
  const horizon = config.horizon;
  // The first step's graphs fix the edges (and the batch layout) for the rollout.
  const graphs = samples.map((s) => {
    const current = s.history.subarray((H - 1) * s.objectCount * 3, H * s.objectCount * 3);
    const edges = buildEdges(current, s.tool.subarray(3 * (H - 1), 3 * H), config);
    return buildGraph(
      {
        objectCount: s.objectCount,
        objectHistory: s.history,
        toolHistory: s.tool.subarray(0, 3 * H),
        action: [0, 0, 0],
      },
      config,
      edges,
    );
  });
  const { batch, samples: layout, objectEdges } = batchGraphs(graphs);
  const V = batch.vertexCount;
  const K = batch.objectVertices.length;

  // Positions of every vertex (objects and tools) at each history frame, V x 3.
  const framePositions = (f: number, objects: (b: number) => Float32Array): Float32Array => {
    const out = new Float32Array(V * 3);
    samples.forEach((s, b) => {
      const at = layout[b];
      out.set(objects(b), 3 * at.vertexOffset);
      out.set(s.tool.subarray(3 * f, 3 * f + 3), 3 * at.toolVertex);
    });
    return out;
  };
  let positions: Tensor[] = [];
  for (let f = 0; f < H; f++)
    positions.push(
      tape.constant(
        framePositions(f, (b) => {
          const n = samples[b].objectCount;
          return samples[b].history.subarray(f * n * 3, (f + 1) * n * 3);
        }),
        V,
        3,
      ),
    );

  // Constant parts of the features: vertex attrs, edge attrs and group difference.
  const vertexAttrs = new Float32Array(V * 2);
  for (let v = 0; v < V; v++) vertexAttrs[2 * v] = 1;
  for (const at of layout) {
    vertexAttrs[2 * at.toolVertex] = 0;
    vertexAttrs[2 * at.toolVertex + 1] = 1;
  }
  const edgeAttrs = new Float32Array(batch.edgeCount * 5);
  for (let e = 0; e < batch.edgeCount; e++) {
    const r = vertexAttrs[2 * batch.receivers[e] + 1];
    const s = vertexAttrs[2 * batch.senders[e] + 1];
    edgeAttrs.set([1 - r, r, 1 - s, s, Math.abs(r - s)], 5 * e);
  }
  const vertexAttrsTensor = tape.constant(vertexAttrs, V, 2);
  const edgeAttrsTensor = tape.constant(edgeAttrs, batch.edgeCount, 5);
  const zSelector = tape.constant([0, 0, 1], 3, 1);

  const referenceLengths = (frame: Tensor): Tensor => {
    const objects = tape.gatherRows(frame, batch.objectVertices);
    return tape.rowNorm(
      tape.sub(
        tape.gatherRows(objects, objectEdges.receivers),
        tape.gatherRows(objects, objectEdges.senders),
      ),
      LENGTH_EPS,
    );
  };

  let loss: Tensor | undefined;
  const mse: number[] = [];
  const error: number[] = [];
  const predictions: Float32Array[] = [];
  for (let step = 0; step < horizon; step++) {
    const action = new Float32Array(V * 3);
    samples.forEach((s, b) => {
      const now = 3 * (step + H - 1);
      for (let a = 0; a < 3; a++)
        action[3 * layout[b].toolVertex + a] = s.tool[now + 3 + a] - s.tool[now + a];
    });
    // Every position-derived feature in units of 1/positionScale metres (see positionScale above).
    const scaled = positionScale === 1 ? positions : positions.map((p) => tape.scale(p, positionScale));
    const vertexParts: Tensor[] = [vertexAttrsTensor];
    if (config.heightAndMotionFeatures) {
      for (let f = 0; f < H; f++) vertexParts.push(tape.matmul(scaled[f], zSelector));
      for (let f = 0; f + 1 < H; f++) vertexParts.push(tape.sub(scaled[f + 1], scaled[f]));
    }
    for (let i = 0; i < action.length; i++) action[i] *= positionScale;
    vertexParts.push(tape.constant(action, V, 3));
    const edgeParts: Tensor[] = [edgeAttrsTensor];
    for (let f = 0; f < H; f++)
      edgeParts.push(
        tape.sub(tape.gatherRows(scaled[f], batch.receivers), tape.gatherRows(scaled[f], batch.senders)),
      );
    const output = propNetForwardTape(tape, params, net, {
      vertexCount: V,
      vertexFeatures: tape.concatCols(vertexParts),
      edgeFeatures: tape.concatCols(edgeParts),
      receivers: batch.receivers,
      senders: batch.senders,
      objectVertices: batch.objectVertices,
    });
    const displacement = positionScale === 1 ? output : tape.scale(output, 1 / positionScale);
    const current = tape.gatherRows(positions[H - 1], batch.objectVertices);
    const predicted = tape.add(current, displacement);

    const target = new Float32Array(K * 3);
    samples.forEach((s, b) => {
      const n = s.objectCount;
      target.set(s.future.subarray(step * n * 3, (step + 1) * n * 3), 3 * layout[b].objectOffset);
    });
    const targetTensor = tape.constant(target, K, 3);
    let stepLoss = tape.mseLoss(predicted, targetTensor);
    mse.push(stepLoss.data[0]);
    error.push(meanDistance(predicted.data, target));
    predictions.push(predicted.data.slice());
    if (config.edgeLengthWeight > 0 && objectEdges.count > 0) {
      const lengths = tape.rowNorm(
        tape.sub(
          tape.gatherRows(predicted, objectEdges.receivers),
          tape.gatherRows(predicted, objectEdges.senders),
        ),
        LENGTH_EPS,
      );
      const lengthLoss = tape.mseLoss(lengths, referenceLengths(positions[0]));
      stepLoss = tape.add(stepLoss, tape.scale(lengthLoss, config.edgeLengthWeight));
    }
    loss = loss ? tape.add(loss, stepLoss) : stepLoss;

    // Shift the history: the predicted objects and the true tool of the next frame.
    const toolRows = new Float32Array(V * 3);
    samples.forEach((s, b) => {
      toolRows.set(s.tool.subarray(3 * (H + step), 3 * (H + step) + 3), 3 * layout[b].toolVertex);
    });
    const next = tape.add(
      tape.scatterAddRows(predicted, batch.objectVertices, V),
      tape.constant(toolRows, V, 3),
    );
    positions = [...positions.slice(1), next];
  }
  if (!loss) throw new RangeError('rolloutLoss: horizon must be at least 1');
  return { loss, mse, error, predictions };
}

/** Inside the square root of an edge length: keeps the gradient of a zero-length (self) edge finite. */
const LENGTH_EPS = 1e-12;

function meanDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 3)
    sum += Math.hypot(a[i] - b[i], a[i + 1] - b[i + 1], a[i + 2] - b[i + 2]);
  return sum / (a.length / 3);
}
