// A small message-passing network on the tape, the shape of PropNet in miniature: a vertex MLP, an edge layer
// over [h_receiver, h_sender], scatter-add of the messages at the receivers, a decoder, and a position loss plus
// an edge-length loss. Used by the tape and training tests.
import { Random } from '@gsdyn/geometry';
import type { Tape } from '../../src/autodiff/tape.js';
import type { Tensor } from '../../src/autodiff/tensor.js';
import type { Parameter } from '../../src/model/config.js';
import { randomIndices } from './helpers.js';

export interface TinyGraph {
  vertexCount: number;
  featureDim: number;
  features: Float32Array;
  receivers: Int32Array;
  senders: Int32Array;
  /** vertexCount x 3 target displacements, and which rows count. */
  target: Float32Array;
  mask: Uint8Array;
  /** One target length per edge. */
  lengths: Float32Array;
}

export function tinyGraph(
  seed: number,
  vertexCount: number,
  edgeCount: number,
  featureDim: number,
): TinyGraph {
  const rng = new Random(seed);
  const features = new Float32Array(vertexCount * featureDim);
  for (let i = 0; i < features.length; i++) features[i] = rng.normal();
  const receivers = randomIndices(rng, edgeCount, vertexCount);
  const senders = randomIndices(rng, edgeCount, vertexCount);
  // The target is a smooth function of a vertex's features and its in-neighbours', which the model can fit.
  const target = new Float32Array(vertexCount * 3);
  for (let v = 0; v < vertexCount; v++)
    for (let c = 0; c < 3; c++) target[v * 3 + c] = 0.5 * Math.tanh(features[v * featureDim + c]);
  for (let e = 0; e < edgeCount; e++)
    for (let c = 0; c < 3; c++)
      target[receivers[e] * 3 + c] += 0.1 * features[senders[e] * featureDim + (c % featureDim)];
  const mask = new Uint8Array(vertexCount).map((_, v) => (v % 7 === 3 ? 0 : 1));
  const lengths = new Float32Array(edgeCount);
  for (let e = 0; e < edgeCount; e++) {
    let s = 0;
    for (let c = 0; c < 3; c++) s += (target[receivers[e] * 3 + c] - target[senders[e] * 3 + c]) ** 2;
    lengths[e] = Math.sqrt(s);
  }
  return { vertexCount, featureDim, features, receivers, senders, target, mask, lengths };
}

function layer(rng: Random, name: string, inputs: number, outputs: number): Parameter[] {
  // Kaiming-uniform-like weights, small biases.
  const scale = Math.sqrt(6 / inputs);
  const weight = Float32Array.from({ length: inputs * outputs }, () => rng.uniform(-scale, scale));
  const bias = Float32Array.from({ length: outputs }, () => rng.uniform(-0.1, 0.1));
  return [
    { name: `${name}.weight`, shape: [inputs, outputs], data: weight },
    { name: `${name}.bias`, shape: [outputs], data: bias },
  ];
}

export function tinyParameters(seed: number, featureDim: number, hidden: number): Parameter[] {
  const rng = new Random(seed);
  return [
    ...layer(rng, 'vertex.0', featureDim, hidden),
    ...layer(rng, 'vertex.1', hidden, hidden),
    ...layer(rng, 'edge', 2 * hidden, hidden),
    ...layer(rng, 'decoder', 2 * hidden, 3),
  ];
}

export function tinyLoss(tape: Tape, params: Parameter[], g: TinyGraph): Tensor {
  const p = (name: string) => {
    const found = params.find((q) => q.name === name);
    if (!found) throw new Error(`no parameter ${name}`);
    return tape.parameter(found);
  };
  const dense = (x: Tensor, name: string, relu: boolean) =>
    tape.linear(x, p(`${name}.weight`), p(`${name}.bias`), relu ? 'relu' : 'none');
  const x = tape.constant(g.features, g.vertexCount, g.featureDim);
  const h = dense(dense(x, 'vertex.0', true), 'vertex.1', true);
  const messages = dense(
    tape.concatCols([tape.gatherRows(h, g.receivers), tape.gatherRows(h, g.senders)]),
    'edge',
    true,
  );
  const aggregated = tape.scatterAddRows(messages, g.receivers, g.vertexCount);
  const out = dense(tape.concatCols([h, aggregated]), 'decoder', false);
  const positionLoss = tape.mseLoss(out, tape.constant(g.target, g.vertexCount, 3), g.mask);
  const lengths = tape.rowNorm(
    tape.sub(tape.gatherRows(out, g.receivers), tape.gatherRows(out, g.senders)),
    1e-8,
  );
  const lengthLoss = tape.mseLoss(lengths, tape.constant(g.lengths, g.lengths.length, 1));
  return tape.add(positionLoss, tape.scale(lengthLoss, 0.1));
}
