import { edgeDim, type ObjectConfig, vertexDim } from '../object-config.js';
import { buildEdges, type GraphEdges } from './build-edges.js';
import { edgeFeatures, vertexFeatures } from './features.js';
import {
  checkGraphInput,
  currentObjectPositions,
  currentToolPosition,
  type GraphInput,
} from './graph-input.js';

/**
 * One sample's graph: vertices 0..objectCount-1 are the object particles, vertex objectCount the end effector.
 * Features as in features.ts; edge indices are local to the sample.
 */
export interface ParticleGraph {
  objectCount: number;
  /** objectCount + 1. */
  vertexCount: number;
  vertexDim: number;
  vertexFeatures: Float32Array;
  edges: GraphEdges;
  edgeDim: number;
  edgeFeatures: Float32Array;
}

/**
 * The graph of one sample. Edges come from the last history frame (buildEdges) unless `edges` is given: the
 * training rollout keeps the first step's edges for all its steps while the features follow the predicted states
 * (reference-implementation.md 4.1: the graph is not rebuilt during the 5-step training rollout).
 */
export function buildGraph(input: GraphInput, config: ObjectConfig, edges?: GraphEdges): ParticleGraph {
  checkGraphInput(input, config, 'buildGraph');
  const graphEdges =
    edges ??
    buildEdges(
      currentObjectPositions(input, config.history),
      currentToolPosition(input, config.history),
      config,
    );
  return {
    objectCount: input.objectCount,
    vertexCount: input.objectCount + 1,
    vertexDim: vertexDim(config),
    vertexFeatures: vertexFeatures(input, config),
    edges: graphEdges,
    edgeDim: edgeDim(config),
    edgeFeatures: edgeFeatures(graphEdges, input, config),
  };
}
