export * from './background.js';
export * from './loss-types.js';
export * from './neighbours.js';
export { isometryLoss, type PhysicalLossInputs, rigidityLoss, rotationSimilarityLoss } from './rigidity.js';
export * from './table.js';
