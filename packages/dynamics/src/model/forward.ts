import type { GraphBatch } from '../graph/types.js';
import { checkGraphBatch } from './check-graph-batch.js';
import { DISPLACEMENT_CLAMP, type PropNetConfig, type PropNetParams } from './config.js';
import { checkPropNetParams, layerParameters, parameterTable } from './params.js';

/**
 * The reference forward pass of the PropNet dynamics network (config.ts has the definition), written as the
 * definition reads: the relation propagator multiplies the concatenation [relEnc, h[receiver], h[sender]] by its
 * whole 3H x H weight. It is the oracle of the fast paths (ONNX, autodiff), not a fast path itself.
 *
 * Precision: activations are kept in Float64Array and every dot product accumulates in float64; only the
 * parameters are float32. Float32 implementations therefore differ from it by their own rounding alone.
 *
 * Returns one displacement (x, y, z) per entry of `batch.objectVertices`, each clamped to +-DISPLACEMENT_CLAMP.
 */
export function propNetForward(
  params: PropNetParams,
  config: PropNetConfig,
  batch: GraphBatch,
): Float32Array {
  checkPropNetParams(params, config);
  checkGraphBatch(batch, config);
  const table = parameterTable(params);
  const H = config.hidden;
  const V = batch.vertexCount;
  const E = batch.edgeCount;

  const encode = (input: Float64Array, rows: number, width: number, prefix: string): Float64Array => {
    let x = input;
    let inWidth = width;
    for (let layer = 0; layer < 3; layer++) {
      x = linear(x, rows, inWidth, layerParameters(table, `${prefix}.${layer}`), H, true);
      inWidth = H;
    }
    return x;
  };
  const particleEncoding = encode(
    Float64Array.from(batch.vertexFeatures),
    V,
    config.vertexDim,
    'particleEncoder',
  );
  const relationEncoding = encode(
    Float64Array.from(batch.edgeFeatures),
    E,
    config.edgeDim,
    'relationEncoder',
  );

  const relationPropagator = layerParameters(table, 'relationPropagator');
  const particlePropagator = layerParameters(table, 'particlePropagator');
  let h = new Float64Array(V * H);
  for (let step = 0; step < config.propagationSteps; step++) {
    // Messages: e = ReLU([relEnc, h[receiver], h[sender]] Wr + br), one row per edge.
    const edgeInput = new Float64Array(E * 3 * H);
    for (let e = 0; e < E; e++) {
      const row = e * 3 * H;
      edgeInput.set(relationEncoding.subarray(e * H, (e + 1) * H), row);
      edgeInput.set(h.subarray(batch.receivers[e] * H, (batch.receivers[e] + 1) * H), row + H);
      edgeInput.set(h.subarray(batch.senders[e] * H, (batch.senders[e] + 1) * H), row + 2 * H);
    }
    const messages = linear(edgeInput, E, 3 * H, relationPropagator, H, true);

    // Sum of the messages into each receiver.
    const aggregate = new Float64Array(V * H);
    for (let e = 0; e < E; e++) {
      const to = batch.receivers[e] * H;
      for (let j = 0; j < H; j++) aggregate[to + j] += messages[e * H + j];
    }

    // h = ReLU([partEnc, agg] Wp + bp + h): the residual is added before the ReLU.
    const vertexInput = new Float64Array(V * 2 * H);
    for (let v = 0; v < V; v++) {
      vertexInput.set(particleEncoding.subarray(v * H, (v + 1) * H), v * 2 * H);
      vertexInput.set(aggregate.subarray(v * H, (v + 1) * H), v * 2 * H + H);
    }
    const update = linear(vertexInput, V, 2 * H, particlePropagator, H, false);
    const next = new Float64Array(V * H);
    for (let i = 0; i < V * H; i++) next[i] = Math.max(0, update[i] + h[i]);
    h = next;
  }

  const K = batch.objectVertices.length;
  let x: Float64Array = new Float64Array(K * H);
  for (let k = 0; k < K; k++) {
    const v = batch.objectVertices[k];
    x.set(h.subarray(v * H, (v + 1) * H), k * H);
  }
  x = linear(x, K, H, layerParameters(table, 'decoder.0'), H, true);
  x = linear(x, K, H, layerParameters(table, 'decoder.1'), H, true);
  x = linear(x, K, H, layerParameters(table, 'decoder.2'), 3, false);
  const displacement = new Float32Array(K * 3);
  for (let i = 0; i < K * 3; i++)
    displacement[i] = Math.min(DISPLACEMENT_CLAMP, Math.max(-DISPLACEMENT_CLAMP, x[i]));
  return displacement;
}

/** y = x W + b (optionally ReLU) for `rows` row vectors x of width `inWidth`; W is [inWidth, outWidth] row-major. */
function linear(
  x: Float64Array,
  rows: number,
  inWidth: number,
  layer: { weight: Float32Array; bias: Float32Array },
  outWidth: number,
  relu: boolean,
): Float64Array {
  const { weight, bias } = layer;
  const y = new Float64Array(rows * outWidth);
  for (let r = 0; r < rows; r++) {
    const out = r * outWidth;
    for (let j = 0; j < outWidth; j++) y[out + j] = bias[j];
    for (let i = 0; i < inWidth; i++) {
      const xi = x[r * inWidth + i];
      if (xi === 0) continue;
      const w = i * outWidth;
      for (let j = 0; j < outWidth; j++) y[out + j] += xi * weight[w + j];
    }
    if (relu) for (let j = 0; j < outWidth; j++) if (y[out + j] < 0) y[out + j] = 0;
  }
  return y;
}
