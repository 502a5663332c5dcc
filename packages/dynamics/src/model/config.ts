/**
 * The PropNet-style dynamics network of the paper (reference-implementation.md 4.3), as plain data: its widths and
 * its parameters. Every implementation (the plain reference forward, the autodiff training forward, the ONNX
 * export) reads the same named parameters, so a trained model moves between them unchanged.
 *
 *   particle encoder  MLP vertexDim -> H -> H -> H, ReLU after every layer
 *   relation encoder  MLP edgeDim   -> H -> H -> H, ReLU after every layer
 *   h = 0; repeat propagationSteps times (the two propagators are shared between steps):
 *     e   = ReLU([relEnc, h[receiver], h[sender]] Wr + br)        (relationPropagator, Wr is 3H x H)
 *     agg = sum of e over the edges into each vertex               (scatter-add at receivers)
 *     h   = ReLU([partEnc, agg] Wp + bp + h)                       (particlePropagator, Wp is 2H x H, residual)
 *   decoder           MLP H -> H -> H -> 3 on the object vertices, ReLU on the hidden layers, linear output
 *   next position = last position + clamp(displacement, -100, 100)
 *
 * Weights are stored (in, out) row-major, so a layer is y = x W + b with x a row vector.
 */
export interface PropNetConfig {
  /** Vertex feature width: 5 for rope, 14 for cloth and plush (graph/features.ts). */
  vertexDim: number;
  /** Edge feature width: 14. */
  edgeDim: number;
  /** Hidden width H of every layer (the reference uses 512). */
  hidden: number;
  /** Message-passing rounds (the reference uses 3). */
  propagationSteps: number;
}

export interface Parameter {
  /** e.g. `particleEncoder.0.weight`, `relationPropagator.bias`, `decoder.2.weight`. */
  name: string;
  /** [in, out] for weights, [out] for biases. */
  shape: number[];
  data: Float32Array;
}

/**
 * All parameters of one network: for each layer of `propNetLayers`, in that order, `<layer>.weight` [in, out] then
 * `<layer>.bias` [out].
 */
export type PropNetParams = Parameter[];

/** The layers in a fixed order: the order of `PropNetParams` and of the ONNX initializers. */
export function propNetLayers(config: PropNetConfig): { name: string; inputs: number; outputs: number }[] {
  const H = config.hidden;
  return [
    { name: 'particleEncoder.0', inputs: config.vertexDim, outputs: H },
    { name: 'particleEncoder.1', inputs: H, outputs: H },
    { name: 'particleEncoder.2', inputs: H, outputs: H },
    { name: 'relationEncoder.0', inputs: config.edgeDim, outputs: H },
    { name: 'relationEncoder.1', inputs: H, outputs: H },
    { name: 'relationEncoder.2', inputs: H, outputs: H },
    { name: 'relationPropagator', inputs: 3 * H, outputs: H },
    { name: 'particlePropagator', inputs: 2 * H, outputs: H },
    { name: 'decoder.0', inputs: H, outputs: H },
    { name: 'decoder.1', inputs: H, outputs: H },
    { name: 'decoder.2', inputs: H, outputs: 3 },
  ];
}

/** Clamp of the predicted displacement (metres), as in the reference. */
export const DISPLACEMENT_CLAMP = 100;
