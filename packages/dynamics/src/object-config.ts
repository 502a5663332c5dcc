/**
 * Per-object settings of the dynamics model, from the reference configs (reference-implementation.md 4.1-4.4):
 * rope is 5-D (no heights, no past motion, tool edges only within the radius), cloth and toys are 14-D with every
 * object-tool pair connected. The simulator's plush takes the stuffed-toy (dog) values.
 */
export type DynamicsObject = 'rope' | 'cloth' | 'plush';
export const DYNAMICS_OBJECTS: readonly DynamicsObject[] = ['rope', 'cloth', 'plush'];

export interface ObjectConfig {
  object: DynamicsObject;
  /** Farthest-point sample at most this many particles (max_nobj). */
  maxParticles: number;
  /** Then radius farthest-point sampling: every particle within this distance of a vertex (d_v, metres). */
  vertexRadius: number;
  /** Object-object edges within this distance (d_e, metres)... */
  edgeRadius: number;
  /** ...and among the receiver's k nearest (self included). */
  topK: number;
  /** Every object-tool pair connected both ways (false: only within edgeRadius, no top-k). */
  connectAllToTool: boolean;
  /** Vertex features include the 3 history heights and 2 history motions (14-D instead of 5-D). */
  heightAndMotionFeatures: boolean;
  /** History frames n_his and rollout horizon (future frames) n_future. */
  history: number;
  horizon: number;
  /** Weight of the edge-length regulariser in the training loss. */
  edgeLengthWeight: number;
  /** Uniform noise (+- metres) added to the history states during training. */
  stateNoise: number;
  /** One model step = this much end-effector travel (metres). */
  stepDistance: number;
}

export function objectConfig(object: DynamicsObject): ObjectConfig {
  const common = { vertexRadius: 0.03, history: 3, horizon: 5, stepDistance: 0.01 };
  switch (object) {
    case 'rope':
      return {
        ...common,
        object,
        maxParticles: 100,
        edgeRadius: 0.08,
        topK: 5,
        connectAllToTool: false,
        heightAndMotionFeatures: false,
        edgeLengthWeight: 0.1,
        stateNoise: 0.003,
      };
    case 'cloth':
      return {
        ...common,
        object,
        maxParticles: 150,
        edgeRadius: 0.075,
        topK: 6,
        connectAllToTool: true,
        heightAndMotionFeatures: true,
        edgeLengthWeight: 0.1,
        stateNoise: 0.002,
      };
    case 'plush':
      return {
        ...common,
        object,
        maxParticles: 100,
        edgeRadius: 0.08,
        topK: 6,
        connectAllToTool: true,
        heightAndMotionFeatures: true,
        edgeLengthWeight: 0.01,
        stateNoise: 0.003,
      };
  }
}

/** Vertex feature width: attrs (2) + action (3), plus heights (history) and motions (3 * (history - 1)). */
export function vertexDim(config: ObjectConfig): number {
  return 2 + 3 + (config.heightAndMotionFeatures ? config.history + 3 * (config.history - 1) : 0);
}

/** Edge feature width: receiver and sender attrs (2 + 2), group difference (1), relative position per history frame. */
export function edgeDim(config: ObjectConfig): number {
  return 5 + 3 * config.history;
}
