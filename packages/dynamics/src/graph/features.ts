import { edgeDim, type ObjectConfig, vertexDim } from '../object-config.js';
import type { GraphEdges } from './build-edges.js';
import { checkGraphInput, type GraphInput, vertexCoordinate } from './graph-input.js';

/**
 * Vertex and edge input features, in the reference's order (reference-implementation.md 4.2, checked against
 * `DynamicsPredictor.forward` of gs-dynamics `gnn/model.py`). History frames are oldest first, metres, no
 * normalisation. With history H = 3:
 *
 * vertex (rope 5, cloth/plush 14):
 *   attrs (2)             one-hot [object, tool]
 *   z_0 .. z_{H-1} (H)    absolute height at each history frame            } only with heightAndMotionFeatures
 *   x_{f+1} - x_f (3(H-1)) motion between consecutive history frames, xyz   } (cloth, plush); the tool has them too
 *   action (3)            end-effector displacement to the next step on the tool vertex, zero on objects
 *
 * edge (14):
 *   receiver attrs (2), sender attrs (2),
 *   group difference (1)  |g_r - g_s| with g = 1 for objects, 0 for the tool: 0 object-object, 1 object-tool
 *   p_r - p_s (3H)        receiver minus sender position at each history frame, xyz
 *
 * `vertexFeatureNames` and `edgeFeatureNames` spell the layout out, one name per column.
 */
export function vertexFeatureNames(
  config: Pick<ObjectConfig, 'history' | 'heightAndMotionFeatures'>,
): string[] {
  const names = ['attr.object', 'attr.tool'];
  if (config.heightAndMotionFeatures) {
    for (let f = 0; f < config.history; f++) names.push(`z.${f}`);
    for (let f = 0; f + 1 < config.history; f++) for (const c of 'xyz') names.push(`motion.${f}.${c}`);
  }
  for (const c of 'xyz') names.push(`action.${c}`);
  return names;
}

export function edgeFeatureNames(config: Pick<ObjectConfig, 'history'>): string[] {
  const names = ['receiver.object', 'receiver.tool', 'sender.object', 'sender.tool', 'groupDifference'];
  for (let f = 0; f < config.history; f++) for (const c of 'xyz') names.push(`relative.${f}.${c}`);
  return names;
}

/** (objectCount + 1) x vertexDim(config), row-major; the last row is the tool vertex. */
export function vertexFeatures(input: GraphInput, config: ObjectConfig, out?: Float32Array): Float32Array {
  checkGraphInput(input, config, 'vertexFeatures');
  const n = input.objectCount;
  const h = config.history;
  const dim = vertexDim(config);
  const features = checkedOut(out, (n + 1) * dim, 'vertexFeatures');
  for (let v = 0; v <= n; v++) {
    const row = v * dim;
    features[row] = v < n ? 1 : 0;
    features[row + 1] = v < n ? 0 : 1;
    let c = row + 2;
    if (config.heightAndMotionFeatures) {
      for (let f = 0; f < h; f++) features[c++] = vertexCoordinate(input, f, v, 2);
      for (let f = 0; f + 1 < h; f++)
        for (let a = 0; a < 3; a++)
          features[c++] = vertexCoordinate(input, f + 1, v, a) - vertexCoordinate(input, f, v, a);
    }
    for (let a = 0; a < 3; a++) features[c++] = v < n ? 0 : input.action[a];
  }
  return features;
}

/** edges.count x edgeDim(config), row-major, in the order of `edges`. */
export function edgeFeatures(
  edges: GraphEdges,
  input: GraphInput,
  config: ObjectConfig,
  out?: Float32Array,
): Float32Array {
  checkGraphInput(input, config, 'edgeFeatures');
  const n = input.objectCount;
  if (edges.objectCount !== n)
    throw new RangeError(`edgeFeatures: the edges are for ${edges.objectCount} objects, the input has ${n}`);
  const h = config.history;
  const dim = edgeDim(config);
  const features = checkedOut(out, edges.count * dim, 'edgeFeatures');
  for (let e = 0; e < edges.count; e++) {
    const r = edges.receivers[e];
    const s = edges.senders[e];
    if (!(r >= 0 && r <= n && s >= 0 && s <= n) || (r === n && s === n))
      throw new RangeError(
        `edgeFeatures: edge ${e} (${s} -> ${r}) is not an edge of ${n} objects and a tool`,
      );
    const row = e * dim;
    const rTool = r === n ? 1 : 0;
    const sTool = s === n ? 1 : 0;
    features[row] = 1 - rTool;
    features[row + 1] = rTool;
    features[row + 2] = 1 - sTool;
    features[row + 3] = sTool;
    features[row + 4] = Math.abs(rTool - sTool);
    for (let f = 0; f < h; f++)
      for (let a = 0; a < 3; a++)
        features[row + 5 + 3 * f + a] = vertexCoordinate(input, f, r, a) - vertexCoordinate(input, f, s, a);
  }
  return features;
}

function checkedOut(out: Float32Array | undefined, length: number, what: string): Float32Array {
  if (out === undefined) return new Float32Array(length);
  if (out.length !== length)
    throw new RangeError(`${what}: out has ${out.length} values, expected ${length}`);
  return out;
}
