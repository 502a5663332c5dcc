// Tracking metrics: truth-point association, MTE / delta_avg / survival in 3D and 2D, and the evaluation of a
// track directory against an episode's ground truth.
export * from './association.js';
export * from './evaluate.js';
export * from './track-metrics.js';
