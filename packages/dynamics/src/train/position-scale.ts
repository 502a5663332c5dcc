import type { PropNetParams } from '../model/config.js';

/**
 * Length unit of the network during training: positions in 1/128 m (~8 mm, about one model step). A power of two,
 * so that folding the weights to metres and back is exact in float32 (a resumed run continues bit for bit).
 */
export const TRAINING_POSITION_SCALE = 128;

/**
 * Converts weights trained with `rolloutLoss(..., positionScale = scale)` into the same function of metres (the
 * saved model's units), or back with `inverse`: the first-layer rows of every position-derived input (vertex:
 * heights, motions and action, i.e. all but the 2 attrs; edge: the relative positions, after the 5 attr and group
 * columns) are multiplied by the scale, and the decoder's output layer divided by it. Returns new parameters.
 */
export function foldPositionScale(params: PropNetParams, scale: number, inverse = false): PropNetParams {
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new RangeError(`foldPositionScale: scale must be a positive number, got ${scale}`);
  const factor = inverse ? 1 / scale : scale;
  return params.map((p) => {
    const data = p.data.slice();
    const cols = p.shape[1] ?? 1;
    const scaleRowsFrom = (first: number) => {
      for (let i = first * cols; i < data.length; i++) data[i] *= factor;
    };
    if (p.name === 'particleEncoder.0.weight') scaleRowsFrom(2);
    else if (p.name === 'relationEncoder.0.weight') scaleRowsFrom(5);
    else if (p.name === 'decoder.2.weight' || p.name === 'decoder.2.bias')
      for (let i = 0; i < data.length; i++) data[i] /= factor;
    return { name: p.name, shape: [...p.shape], data };
  });
}
