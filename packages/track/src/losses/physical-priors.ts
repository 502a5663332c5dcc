import { addBackgroundLoss } from './background.js';
import type { Values } from './loss-types.js';
import type { NeighbourGraph } from './neighbours.js';
import { relativeRotations, relativeRotationsBackward } from './relative-rotation.js';
import { checkPhysicalInputs, type PhysicalLossInputs } from './rigidity.js';
import { addTableLoss } from './table.js';

/** The inputs of physicalLosses: those of the pair terms, plus the table and background terms' own. */
export interface PhysicalPriorInputs extends PhysicalLossInputs {
  /** The table term, as tableLoss(means, indices, z): indices default to all Gaussians, z to 0. Absent: value 0. */
  table?: { indices?: Uint32Array; z?: number };
  /** The background term: these Gaussians pinned to frame 0 (means0 3N, quaternions0 4N); absent: value 0. */
  background?: { indices: Uint32Array; means0: Values; quaternions0: Values };
}

/** The prior weights, as in TrackWeights (the tracker can pass its preset's weights as they are). */
export interface PhysicalWeights {
  rigid: number;
  rot: number;
  iso: number;
  table: number;
  bg: number;
}

/** Each term's value, unweighted (what the tracker logs), and the weighted sum (what it adds to its total). */
export interface PhysicalValues {
  rigid: number;
  rot: number;
  iso: number;
  table: number;
  bg: number;
  weighted: number;
}

const EPSILON = 1e-20;
/**
 * Gaussian indices are masked with this before offset arithmetic: V8 then knows 4 * j + 3 fits in an int32 and
 * compiles the offsets without overflow checks (a few percent of the pair loop). createPhysicalWorkspace caps N at
 * MAX_GAUSSIANS and checkPhysicalInputs keeps the graph's indices below N, so the mask never changes an index.
 */
const INDEX_MASK = 0x7ffffff;
/** 2^27: far beyond any cloud that fits in memory (4N float64 alone would be 4 GiB). */
export const MAX_GAUSSIANS = INDEX_MASK + 1;

/** Float64 scratch of physicalLosses for one graph and one cloud size, reused across calls. */
export interface PhysicalWorkspace {
  readonly graph: NeighbourGraph;
  /** Number of Gaussians. */
  readonly n: number;
  /** 4N: q_rel at the graph's rows (the other slots stay 0, as rotationSimilarityLoss reads them). */
  readonly rel: Float64Array;
  /** 4N: weighted dL/dq_rel of rigidity and rotation similarity together. */
  readonly gradRel: Float64Array;
  /** 3N and 4N: the weighted gradient of every term, before it is added to the caller's. */
  readonly gradMeans: Float64Array;
  readonly gradQuaternions: Float64Array;
  /** 3: the pair terms' values (rigid, rot, iso) as the pair loop leaves them. */
  readonly pairValues: Float64Array;
}

export function createPhysicalWorkspace(graph: NeighbourGraph, n: number): PhysicalWorkspace {
  if (!Number.isInteger(n) || n < 0 || n > MAX_GAUSSIANS) {
    throw new RangeError(`createPhysicalWorkspace: n must be an integer in [0, ${MAX_GAUSSIANS}], got ${n}`);
  }
  return {
    graph,
    n,
    rel: new Float64Array(4 * n),
    gradRel: new Float64Array(4 * n),
    gradMeans: new Float64Array(3 * n),
    gradQuaternions: new Float64Array(4 * n),
    pairValues: new Float64Array(3),
  };
}

/**
 * All the tracker's priors for t > 0 in one call: rigidity, rotation similarity and isometry (rigidity.ts, which
 * stays the readable reference and the oracle of the tests) plus the table and background terms. ADDS
 * w_rigid * grad rigidityLoss + w_rot * grad rotationSimilarityLoss + w_iso * grad isometryLoss +
 * w_table * grad tableLoss + w_bg * grad backgroundLoss to `grads.means` (3N) and `grads.quaternions` (4N), e.g. the
 * render gradients of the same iteration, and returns the unweighted values, equal to the separate functions' to
 * rounding. It is faster than those because it
 * - forms the relative rotations once and runs their backward once, on the weighted sum of the rigidity and
 *   rotation-similarity gradients (both terms share q_rel, and the backward is linear in dL/dq_rel);
 * - walks the neighbour pairs once for the three pair terms: the index, the weight, means[j] and rel[j] are loaded
 *   once, the offset x_j - x_i is shared by rigidity and isometry, and their mean gradients are scattered once;
 * - accumulates every weighted gradient in float64 in a workspace made once per graph, then adds it to the
 *   caller's gradients in one pass: no N-sized array is allocated per call (the tracker calls this 150 times per
 *   frame, and the separate functions allocated a dozen such arrays each time, feeding the garbage collector).
 * `workspace` must come from createPhysicalWorkspace(x.graph, N). On a throw (bad shapes, an index out of range, a
 * zero quaternion) `grads` is left as it was.
 */
export function physicalLosses(
  x: PhysicalPriorInputs,
  weights: PhysicalWeights,
  workspace: PhysicalWorkspace,
  grads: { means: Values; quaternions: Values },
): PhysicalValues {
  // The priors write only to the workspace, so a throw from either step leaves `grads` as it was.
  const values = physicalPriors(x, weights, workspace, 'physicalLosses');
  addPhysicalGradients(workspace, grads, 'physicalLosses');
  return values;
}

/**
 * physicalLosses in two steps, so that the tracker can compute the priors while the rasteriser's workers run the
 * render's backward pass, before the render's gradients exist: this one returns the values and leaves the weighted
 * gradients in `workspace.gradMeans` and `workspace.gradQuaternions`; addPhysicalGradients adds them to the caller's.
 */
export function physicalPriors(
  x: PhysicalPriorInputs,
  weights: PhysicalWeights,
  workspace: PhysicalWorkspace,
  caller = 'physicalPriors',
): PhysicalValues {
  const n = checkPhysicalInputs(x, caller, true);
  if (workspace.graph !== x.graph || workspace.n !== n) {
    throw new RangeError(
      `${caller}: workspace was made for another graph or cloud size (n = ${workspace.n}, here ${n}); create it with createPhysicalWorkspace(graph, ${n})`,
    );
  }
  const { means, quaternions, prevQuaternions, table, background } = x;
  const { gradMeans, gradQuaternions } = workspace;
  gradMeans.fill(0);
  gradQuaternions.fill(0);

  const { pairValues } = workspace;
  pairValues.fill(0);
  if (x.graph.count * x.graph.k > 0) {
    const { points } = x.graph;
    const { rel, gradRel } = workspace;
    gradRel.fill(0);
    relativeRotations(points, quaternions, prevQuaternions, rel);
    pairTerms(x.graph, means, x.prevMeans, weights, workspace);
    relativeRotationsBackward(points, quaternions, prevQuaternions, gradRel, gradQuaternions);
  }
  const values: PhysicalValues = {
    rigid: pairValues[0],
    rot: pairValues[1],
    iso: pairValues[2],
    table: 0,
    bg: 0,
    weighted: 0,
  };
  if (table !== undefined) {
    values.table = addTableLoss(means, table.indices, table.z ?? 0, weights.table, gradMeans);
  }
  if (background !== undefined) {
    const { indices, means0, quaternions0 } = background;
    if (means0.length !== 3 * n || quaternions0.length !== 4 * n) {
      throw new RangeError(
        `${caller}: background.means0/quaternions0 have ${means0.length}/${quaternions0.length} values, expected ${3 * n}/${4 * n}`,
      );
    }
    values.bg = addBackgroundLoss(
      means,
      quaternions,
      means0,
      quaternions0,
      indices,
      weights.bg,
      gradMeans,
      gradQuaternions,
    );
  }
  values.weighted =
    weights.rigid * values.rigid +
    weights.rot * values.rot +
    weights.iso * values.iso +
    weights.table * values.table +
    weights.bg * values.bg;
  return values;
}

/** Adds the weighted gradients that physicalPriors left in the workspace to `grads` (3N means, 4N quaternions). */
export function addPhysicalGradients(
  workspace: PhysicalWorkspace,
  grads: { means: Values; quaternions: Values },
  caller = 'addPhysicalGradients',
): void {
  const { n } = workspace;
  if (grads.means.length !== 3 * n || grads.quaternions.length !== 4 * n) {
    throw new RangeError(
      `${caller}: grads.means/grads.quaternions have ${grads.means.length}/${grads.quaternions.length} values, expected ${3 * n}/${4 * n}`,
    );
  }
  addInto(grads.means, workspace.gradMeans);
  addInto(grads.quaternions, workspace.gradQuaternions);
}

/**
 * The pass over the pairs: rigidity, rotation similarity and isometry of each pair (i, j) from one read of i's and
 * j's data. Adds the weighted mean gradients to workspace.gradMeans and the weighted dL/dq_rel to workspace.gradRel;
 * writes the three values into workspace.pairValues. The formulas are rigidity.ts's, with two rewrites of rigidity that give the
 * same value and, after the normalisation backward, the same gradients (to rounding; the tests hold them to 1e-12):
 * - err = |R^T a - b| = |a - R b| since R is a rotation (q_rel is unit to rounding), so dL/da is the residual
 *   itself, scaled, rather than R times it;
 * - its rotation gradient is accumulated as a torque t = sum_j (R b_j) x dL/dv_j (3 sums, not the 9 of dL/dR): a
 *   turn of R by a small angle vector w changes L by -w . t, and q_rel then moves by (0, w/2) (x) q_rel, so the
 *   gradient in the unit sphere's tangent space is -2 (0, t) (x) q_rel. The radial part that the polynomial-R
 *   formula of rigidityLoss also carries is removed by the normalisation backward in both.
 * Fewer live values matter here: the loop is bound by instruction count and register spills, not by memory.
 */
function pairTerms(
  graph: NeighbourGraph,
  means: Values,
  prevMeans: Values,
  weights: PhysicalWeights,
  workspace: PhysicalWorkspace,
): void {
  const { count, k, points, indices, weights: pairWeights, restDistances } = graph;
  const { rel, gradRel, gradMeans, pairValues } = workspace;
  const inv = 1 / (count * k);
  // Each term's weight folded into its 1/pairs factor: the gradients come out weighted, ready to sum.
  const stepRigid = weights.rigid * inv;
  const stepRot = weights.rot * inv;
  const stepIso = weights.iso * inv;
  let sumRigid = 0;
  let sumRot = 0;
  let sumIso = 0;
  for (let r = 0; r < count; r++) {
    const i = points[r] & INDEX_MASK;
    const o = 4 * i;
    const w = rel[o];
    const qx = rel[o + 1];
    const qy = rel[o + 2];
    const qz = rel[o + 3];
    const r00 = 1 - 2 * (qy * qy + qz * qz);
    const r01 = 2 * (qx * qy - w * qz);
    const r02 = 2 * (qx * qz + w * qy);
    const r10 = 2 * (qx * qy + w * qz);
    const r11 = 1 - 2 * (qx * qx + qz * qz);
    const r12 = 2 * (qy * qz - w * qx);
    const r20 = 2 * (qx * qz - w * qy);
    const r21 = 2 * (qy * qz + w * qx);
    const r22 = 1 - 2 * (qx * qx + qy * qy);
    const xi = means[3 * i];
    const yi = means[3 * i + 1];
    const zi = means[3 * i + 2];
    const pxi = prevMeans[3 * i];
    const pyi = prevMeans[3 * i + 1];
    const pzi = prevMeans[3 * i + 2];
    // Rigidity's torque, the mean gradient of i from both mean terms, rotation similarity's dL/dq_rel,i.
    let tx = 0;
    let ty = 0;
    let tz = 0;
    let gxi = 0;
    let gyi = 0;
    let gzi = 0;
    let h0 = 0;
    let h1 = 0;
    let h2 = 0;
    let h3 = 0;
    for (let e = r * k; e < r * k + k; e++) {
      const j = indices[e] & INDEX_MASK;
      const wij = pairWeights[e];
      const ax = means[3 * j] - xi;
      const ay = means[3 * j + 1] - yi;
      const az = means[3 * j + 2] - zi;

      // Rigidity: v = a - R b.
      const bx = prevMeans[3 * j] - pxi;
      const by = prevMeans[3 * j + 1] - pyi;
      const bz = prevMeans[3 * j + 2] - pzi;
      const sx = r00 * bx + r01 * by + r02 * bz;
      const sy = r10 * bx + r11 * by + r12 * bz;
      const sz = r20 * bx + r21 * by + r22 * bz;
      const vx = ax - sx;
      const vy = ay - sy;
      const vz = az - sz;
      const lRigid = Math.sqrt(wij * (vx * vx + vy * vy + vz * vz) + EPSILON);
      sumRigid += lRigid;
      const cRigid = (wij * stepRigid) / lRigid;
      const gx = cRigid * vx;
      const gy = cRigid * vy;
      const gz = cRigid * vz;
      tx += sy * gz - sz * gy;
      ty += sz * gx - sx * gz;
      tz += sx * gy - sy * gx;

      // Isometry: | sqrt(|a|^2 + eps) - d0 |.
      const m = Math.sqrt(ax * ax + ay * ay + az * az + EPSILON);
      const u = m - restDistances[e];
      const lIso = Math.sqrt(wij * u * u + EPSILON);
      sumIso += lIso;
      const cIso = (wij * u * stepIso) / (lIso * m);

      // dL/da of both mean terms, scattered once.
      const dx = gx + cIso * ax;
      const dy = gy + cIso * ay;
      const dz = gz + cIso * az;
      gradMeans[3 * j] += dx;
      gradMeans[3 * j + 1] += dy;
      gradMeans[3 * j + 2] += dz;
      gxi -= dx;
      gyi -= dy;
      gzi -= dz;

      // Rotation similarity: || q_rel,j - q_rel,i ||.
      const p = 4 * j;
      const d0 = rel[p] - w;
      const d1 = rel[p + 1] - qx;
      const d2 = rel[p + 2] - qy;
      const d3 = rel[p + 3] - qz;
      const lRot = Math.sqrt(wij * (d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3) + EPSILON);
      sumRot += lRot;
      const cRot = (wij * stepRot) / lRot;
      gradRel[p] += cRot * d0;
      gradRel[p + 1] += cRot * d1;
      gradRel[p + 2] += cRot * d2;
      gradRel[p + 3] += cRot * d3;
      h0 += cRot * d0;
      h1 += cRot * d1;
      h2 += cRot * d2;
      h3 += cRot * d3;
    }
    gradMeans[3 * i] += gxi;
    gradMeans[3 * i + 1] += gyi;
    gradMeans[3 * i + 2] += gzi;
    // -2 (0, t) (x) q_rel, and rotation similarity's own row. Accumulated, not assigned: rows before this one
    // scattered their rotation-similarity gradients into this slot.
    gradRel[o] += 2 * (tx * qx + ty * qy + tz * qz) - h0;
    gradRel[o + 1] -= 2 * (tx * w + ty * qz - tz * qy) + h1;
    gradRel[o + 2] -= 2 * (ty * w + tz * qx - tx * qz) + h2;
    gradRel[o + 3] -= 2 * (tz * w + tx * qy - ty * qx) + h3;
    // Published every row, not once after the loop: V8 compiles this loop on-stack during the first call, when code
    // after the loop has not run yet, and such code then deoptimises the compiled loop on every later entry.
    pairValues[0] = sumRigid * inv;
    pairValues[1] = sumRot * inv;
    pairValues[2] = sumIso * inv;
  }
}

/**
 * `target += source`, in a function of its own so that V8 optimises it on its own feedback (inlined in
 * physicalLosses, its loops were compiled on-stack before the second had run and deoptimised on every call).
 */
function addInto(target: Values, source: Float64Array): void {
  for (let c = 0; c < source.length; c++) target[c] += source[c];
}
