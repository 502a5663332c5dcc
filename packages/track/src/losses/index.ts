export * from './background.js';
export * from './loss-types.js';
export * from './neighbours.js';
export * from './physical-priors.js';
export {
  isometryLoss,
  isometryLoss64,
  type PhysicalLossInputs,
  rigidityLoss,
  rigidityLoss64,
  rotationSimilarityLoss,
  rotationSimilarityLoss64,
} from './rigidity.js';
export * from './table.js';
