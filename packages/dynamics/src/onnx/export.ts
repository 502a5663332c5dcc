import { DISPLACEMENT_CLAMP, type PropNetConfig, type PropNetParams } from '../model/config.js';
import { checkPropNetParams, layerParameters, parameterTable } from '../model/params.js';
import { floatTensor, OnnxGraphBuilder } from './graph-builder.js';

/** onnxruntime-node 1.30 loads opsets 16 to 24 (not 13 or 15); 17 is the oldest one in that range with every op here. */
export const ONNX_OPSET = 17;

/** The graph's inputs and output, in the layout of GraphBatch (indices as int64). */
export const ONNX_INPUTS = {
  vertexFeatures: 'vertex_features',
  edgeFeatures: 'edge_features',
  receivers: 'receivers',
  senders: 'senders',
  objectVertices: 'object_vertices',
} as const;
export const ONNX_OUTPUT = 'displacement';

/**
 * How messages are summed at their receivers. 'scatter-nd': ScatterND(reduction = add) with [E, 1] indices, exact
 * only in single-threaded sessions (stack-findings.md). 'scatter-elements': ScatterElements(axis 0, add) with the
 * receivers expanded to [E, H], exact with any thread count but slower.
 */
export type OnnxAggregation = 'scatter-nd' | 'scatter-elements';

export interface OnnxExportOptions {
  aggregation?: OnnxAggregation;
}

/**
 * The network as an ONNX model (weights as initializers). It computes what `propNetForward` computes, arranged to
 * do less work:
 * - the relation propagator's weight is split by input block, Wr = [Wa; Wb; Wc], and the h blocks are multiplied at
 *   the vertices before the gather: [relEnc, h[r], h[s]] Wr + b = (relEnc Wa + b) + (h Wb)[r] + (h Wc)[s], which
 *   moves two of the three E x H x H products to V x H x H;
 * - relEnc Wa + b and partEnc Wp_a + bp do not depend on h and are computed once, outside the steps;
 * - the first step starts from h = 0, so its gathers and residual are left out.
 */
export function exportOnnx(
  params: PropNetParams,
  config: PropNetConfig,
  options: OnnxExportOptions = {},
): Uint8Array {
  checkPropNetParams(params, config);
  const aggregation = options.aggregation ?? 'scatter-nd';
  const table = parameterTable(params);
  const H = config.hidden;
  const g = new OnnxGraphBuilder();

  const vertexFeatures = g.input(ONNX_INPUTS.vertexFeatures, 'float32', ['V', config.vertexDim]);
  const edgeFeatures = g.input(ONNX_INPUTS.edgeFeatures, 'float32', ['E', config.edgeDim]);
  const receivers = g.input(ONNX_INPUTS.receivers, 'int64', ['E']);
  const senders = g.input(ONNX_INPUTS.senders, 'int64', ['E']);
  const objectVertices = g.input(ONNX_INPUTS.objectVertices, 'int64', ['K']);

  /** A layer's weight [in, out], or the block of its rows [from, to) (the input slice of a concatenation). */
  const weight = (layer: string, rows?: [number, number]): string => {
    const { weight: w, bias: b } = layerParameters(table, layer);
    const outputs = b.length;
    const [from, to] = rows ?? [0, w.length / outputs];
    const name = rows ? `${layer}.weight.rows${from}_${to}` : `${layer}.weight`;
    return g.floatInitializer(name, w.subarray(from * outputs, to * outputs), [to - from, outputs]);
  };
  const bias = (layer: string): string => {
    const { bias: b } = layerParameters(table, layer);
    return g.floatInitializer(`${layer}.bias`, b, [b.length]);
  };
  const dense = (x: string, layer: string, relu: boolean): string => {
    const y = g.node('Gemm', [x, weight(layer), bias(layer)]);
    return relu ? g.node('Relu', [y]) : y;
  };
  const mlp = (x: string, prefix: string, layers: number, reluLast: boolean): string => {
    for (let i = 0; i < layers; i++) x = dense(x, `${prefix}.${i}`, i < layers - 1 || reluLast);
    return x;
  };

  const particleEncoding = mlp(vertexFeatures, 'particleEncoder', 3, true);
  const relationEncoding = mlp(edgeFeatures, 'relationEncoder', 3, true);

  const relationBase = g.node('Gemm', [
    relationEncoding,
    weight('relationPropagator', [0, H]),
    bias('relationPropagator'),
  ]);
  // Only steps after the first read h through the propagator (a one-step network would leave them unused).
  const [relationReceiverWeight, relationSenderWeight] =
    config.propagationSteps > 1
      ? [weight('relationPropagator', [H, 2 * H]), weight('relationPropagator', [2 * H, 3 * H])]
      : ['', ''];
  const particleBase = g.node('Gemm', [
    particleEncoding,
    weight('particlePropagator', [0, H]),
    bias('particlePropagator'),
  ]);
  const particleAggregateWeight = weight('particlePropagator', [H, 2 * H]);

  const zeros = g.node('ConstantOfShape', [g.node('Shape', [particleBase])], {
    value: { tensor: floatTensor('zero', new Float32Array([0]), [1]) },
  });
  const receiverColumn = g.node('Unsqueeze', [receivers, g.int64Initializer('axis1', [1], [1])]);
  const scatterIndices =
    aggregation === 'scatter-nd'
      ? receiverColumn
      : g.node('Expand', [receiverColumn, g.node('Shape', [relationBase])]);
  const sumAtReceivers = (messages: string): string =>
    aggregation === 'scatter-nd'
      ? g.node('ScatterND', [zeros, scatterIndices, messages], { reduction: 'add' })
      : g.node('ScatterElements', [zeros, scatterIndices, messages], { axis: 0, reduction: 'add' });

  let h = '';
  for (let step = 0; step < config.propagationSteps; step++) {
    let preActivation = relationBase;
    if (step > 0) {
      const fromReceiver = g.node('Gather', [g.node('MatMul', [h, relationReceiverWeight]), receivers], {
        axis: 0,
      });
      const fromSender = g.node('Gather', [g.node('MatMul', [h, relationSenderWeight]), senders], {
        axis: 0,
      });
      preActivation = g.node('Add', [g.node('Add', [relationBase, fromReceiver]), fromSender]);
    }
    const messages = g.node('Relu', [preActivation]);
    const aggregate = sumAtReceivers(messages);
    let update = g.node('Add', [particleBase, g.node('MatMul', [aggregate, particleAggregateWeight])]);
    if (step > 0) update = g.node('Add', [update, h]);
    h = g.node('Relu', [update], {}, `h${step + 1}`);
  }

  const objectStates = g.node('Gather', [h, objectVertices], { axis: 0 });
  const decoded = mlp(objectStates, 'decoder', 3, false);
  g.node(
    'Clip',
    [
      decoded,
      g.floatInitializer('clamp_min', new Float32Array([-DISPLACEMENT_CLAMP]), []),
      g.floatInitializer('clamp_max', new Float32Array([DISPLACEMENT_CLAMP]), []),
    ],
    {},
    ONNX_OUTPUT,
  );
  g.output(ONNX_OUTPUT, 'float32', ['K', 3]);

  return g.model({
    opset: ONNX_OPSET,
    graphName: 'propnet',
    producer: 'gsdyn',
    docString: `PropNet dynamics: vertexDim ${config.vertexDim}, edgeDim ${config.edgeDim}, hidden ${H}, ${config.propagationSteps} propagation steps, ${aggregation}`,
  });
}
