import type { ObjectConfig } from '../object-config.js';

/**
 * What one graph is built from: the object particles and the end effector over the history frames (oldest first,
 * the last one is the current state), and the action. World metres, z up.
 */
export interface GraphInput {
  objectCount: number;
  /** history x objectCount x 3, frame-major. */
  objectHistory: ArrayLike<number>;
  /** history x 3: the end effector (tool) at the same frames. */
  toolHistory: ArrayLike<number>;
  /** The end effector's displacement from the current frame to the next step (3). */
  action: ArrayLike<number>;
}

/** Throws a RangeError naming the field when the input's arrays do not match its counts and `history`. */
export function checkGraphInput(
  input: GraphInput,
  config: Pick<ObjectConfig, 'history'>,
  what: string,
): void {
  const n = input.objectCount;
  const h = config.history;
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`${what}: objectCount must be a positive integer, got ${n}`);
  if (input.objectHistory.length !== h * n * 3)
    throw new RangeError(
      `${what}: objectHistory has ${input.objectHistory.length} values, expected history ${h} x ${n} objects x 3`,
    );
  if (input.toolHistory.length !== h * 3)
    throw new RangeError(
      `${what}: toolHistory has ${input.toolHistory.length} values, expected history ${h} x 3`,
    );
  if (input.action.length !== 3)
    throw new RangeError(`${what}: action has ${input.action.length} values, expected 3`);
}

/** Coordinate `axis` of vertex `v` (objects 0..n-1, the tool n) at history frame `frame`. */
export function vertexCoordinate(input: GraphInput, frame: number, v: number, axis: number): number {
  const n = input.objectCount;
  return v < n ? input.objectHistory[(frame * n + v) * 3 + axis] : input.toolHistory[frame * 3 + axis];
}

/** The object positions of the last history frame (a view when possible): what edges are built from. */
export function currentObjectPositions(input: GraphInput, history: number): ArrayLike<number> {
  const n = input.objectCount;
  const start = (history - 1) * n * 3;
  const h = input.objectHistory;
  if (h instanceof Float32Array || h instanceof Float64Array) return h.subarray(start, start + 3 * n);
  return Array.from({ length: 3 * n }, (_, i) => h[start + i]);
}

/** The tool position of the last history frame. */
export function currentToolPosition(input: GraphInput, history: number): number[] {
  const t = input.toolHistory;
  const i = (history - 1) * 3;
  return [t[i], t[i + 1], t[i + 2]];
}
