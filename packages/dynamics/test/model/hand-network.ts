// A network small enough to run by hand (hidden 2, two vertices, one edge, two propagation steps), with the
// expected displacements worked out on paper in the comments below. Both the reference forward and the ONNX export
// are checked against it.
import type { GraphBatch } from '../../src/graph/types.js';
import type { PropNetConfig, PropNetParams } from '../../src/model/config.js';

export const handConfig: PropNetConfig = { vertexDim: 1, edgeDim: 1, hidden: 2, propagationSteps: 2 };

const I2 = [1, 0, 0, 1];
const layers: Record<string, { weight: number[]; bias: number[]; shape: [number, number] }> = {
  'particleEncoder.0': { weight: [1, -1], bias: [0, 0], shape: [1, 2] }, // x -> ReLU([x, -x])
  'particleEncoder.1': { weight: I2, bias: [0, 0], shape: [2, 2] },
  'particleEncoder.2': { weight: I2, bias: [0, 0], shape: [2, 2] },
  'relationEncoder.0': { weight: [1, 1], bias: [0, 0.5], shape: [1, 2] }, // f -> ReLU([f, f + 0.5])
  'relationEncoder.1': { weight: I2, bias: [0, 0], shape: [2, 2] },
  'relationEncoder.2': { weight: I2, bias: [0, 0], shape: [2, 2] },
  // [relEnc | h[receiver] | h[sender]] rows: identity, 0.5 identity, swap.
  relationPropagator: { weight: [1, 0, 0, 1, 0.5, 0, 0, 0.5, 0, 1, 1, 0], bias: [0, -2], shape: [6, 2] },
  // [partEnc | agg] rows: identity, 2 identity.
  particlePropagator: { weight: [1, 0, 0, 1, 2, 0, 0, 2], bias: [0.1, 0], shape: [4, 2] },
  'decoder.0': { weight: I2, bias: [0, 0], shape: [2, 2] },
  'decoder.1': { weight: I2, bias: [0, 0], shape: [2, 2] },
  'decoder.2': { weight: [1, 0, 1, 0, 1, -1], bias: [0, 0, 0.25], shape: [2, 3] }, // [a, b, a - b + 0.25]
};

export function handParams(decoderScale = 1): PropNetParams {
  const params: PropNetParams = [];
  for (const [name, layer] of Object.entries(layers)) {
    const scale = name === 'decoder.2' ? decoderScale : 1;
    params.push({
      name: `${name}.weight`,
      shape: layer.shape,
      data: Float32Array.from(layer.weight, (w) => w * scale),
    });
    params.push({
      name: `${name}.bias`,
      shape: [layer.shape[1]],
      data: Float32Array.from(layer.bias, (b) => b * scale),
    });
  }
  return params;
}

/** Vertex 0 (x = 2) receives one edge (f = 1) from vertex 1 (x = -3); the outputs are asked for in order [1, 0]. */
export const handBatch: GraphBatch = {
  vertexCount: 2,
  vertexDim: 1,
  vertexFeatures: Float32Array.from([2, -3]),
  edgeCount: 1,
  edgeDim: 1,
  edgeFeatures: Float32Array.from([1]),
  receivers: Int32Array.from([0]),
  senders: Int32Array.from([1]),
  objectVertices: Int32Array.from([1, 0]),
};

// partEnc: v0 = [2, 0], v1 = [0, 3]; relEnc = [1, 1.5].
// step 1 (h = 0): e = ReLU([1, 1.5] + [0, -2]) = [1, 0]; agg v0 = [1, 0], v1 = 0;
//   h v0 = ReLU([2, 0] + 2 [1, 0] + [0.1, 0]) = [4.1, 0]; h v1 = ReLU([0, 3] + [0.1, 0]) = [0.1, 3].
// step 2: e = ReLU([1, 1.5] + 0.5 [4.1, 0] + swap([0.1, 3]) + [0, -2]) = ReLU([6.05, -0.4]) = [6.05, 0];
//   h v0 = ReLU([2, 0] + 2 [6.05, 0] + [0.1, 0] + [4.1, 0]) = [18.3, 0];
//   h v1 = ReLU([0, 3] + 0 + [0.1, 0] + [0.1, 3]) = [0.2, 6].
// decoder: v0 -> [18.3, 0, 18.55]; v1 -> [0.2, 6, -5.55].
export const handExpected = [0.2, 6, -5.55, 18.3, 0, 18.55];
