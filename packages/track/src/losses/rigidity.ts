import { type LossWithGrad, type LossWithGrad64, toFloat32, type Values } from './loss-types.js';
import type { NeighbourGraph } from './neighbours.js';
import { relativeRotations, relativeRotationsBackward } from './relative-rotation.js';

export { backgroundLoss } from './background.js';
export type { LossWithGrad, LossWithGrad64, Values } from './loss-types.js';
export { tableLoss } from './table.js';

/**
 * The physical priors of the tracker for t > 0 (reference-implementation.md 3.5), over the pairs (i, j) of the
 * frame-0 neighbour graph. Each is the reference's weighted_l2_loss: mean over pairs of sqrt(w_ij err_ij^2 + 1e-20),
 * so the weight enters as sqrt(w) and the error as an unsquared L2 norm; a perfect fit still costs 1e-10 per pair.
 * Everything is computed in float64 and the gradients are exact (checked against finite differences).
 */
export interface PhysicalLossInputs {
  graph: NeighbourGraph;
  /** 3N, current means. */
  means: Values;
  /** 4N, current quaternions w x y z, unnormalised. */
  quaternions: Values;
  /** 3N, previous frame's means. */
  prevMeans: Values;
  /** 4N, previous frame's quaternions (normalised; they are normalised again here, which changes nothing then). */
  prevQuaternions: Values;
}

const EPSILON = 1e-20;

/**
 * rigid: err_ij = || R_i^T (x_j,t - x_i,t) - (x_j,t-1 - x_i,t-1) || with R_i the rotation of
 * q_rel,i = qhat_i,t (x) conj(q_i,t-1): each neighbourhood should move as a rigid body since the previous frame.
 * Gradients with respect to the current means and the current (unnormalised) quaternions.
 */
export function rigidityLoss(x: PhysicalLossInputs): LossWithGrad {
  return toFloat32(rigidityLoss64(x));
}

/** rigidityLoss with float64 gradients. */
export function rigidityLoss64(x: PhysicalLossInputs): LossWithGrad64 {
  const { graph, means, quaternions, prevMeans, prevQuaternions } = x;
  const n = checkPhysicalInputs(x, 'rigidityLoss', true);
  const { count, k, points, indices, weights } = graph;
  const pairs = count * k;
  if (pairs === 0) {
    return { value: 0, gradMeans: new Float64Array(3 * n), gradQuaternions: new Float64Array(4 * n) };
  }
  const gradMeans = new Float64Array(3 * n);
  const gradQuaternions = new Float64Array(4 * n);
  const rel = new Float64Array(4 * n);
  const gradRel = new Float64Array(4 * n);
  relativeRotations(points, quaternions, prevQuaternions, rel);
  const inv = 1 / pairs;
  let sum = 0;
  for (let r = 0; r < count; r++) {
    const i = points[r];
    const o = 4 * i;
    const w = rel[o];
    const qx = rel[o + 1];
    const qy = rel[o + 2];
    const qz = rel[o + 3];
    // q_rel is unit by construction (a product of unit quaternions), so the polynomial form is the rotation.
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
    // dL/dR_i = sum_j a_j g_j^T
    let g00 = 0;
    let g01 = 0;
    let g02 = 0;
    let g10 = 0;
    let g11 = 0;
    let g12 = 0;
    let g20 = 0;
    let g21 = 0;
    let g22 = 0;
    let gxi = 0;
    let gyi = 0;
    let gzi = 0;
    for (let e = r * k; e < r * k + k; e++) {
      const j = indices[e];
      const ax = means[3 * j] - xi;
      const ay = means[3 * j + 1] - yi;
      const az = means[3 * j + 2] - zi;
      // u = R^T a - b
      const ux = r00 * ax + r10 * ay + r20 * az - (prevMeans[3 * j] - pxi);
      const uy = r01 * ax + r11 * ay + r21 * az - (prevMeans[3 * j + 1] - pyi);
      const uz = r02 * ax + r12 * ay + r22 * az - (prevMeans[3 * j + 2] - pzi);
      const wij = weights[e];
      const l = Math.sqrt(wij * (ux * ux + uy * uy + uz * uz) + EPSILON);
      sum += l;
      const c = (wij * inv) / l;
      const gx = c * ux;
      const gy = c * uy;
      const gz = c * uz;
      // dL/da = R g
      const dx = r00 * gx + r01 * gy + r02 * gz;
      const dy = r10 * gx + r11 * gy + r12 * gz;
      const dz = r20 * gx + r21 * gy + r22 * gz;
      gradMeans[3 * j] += dx;
      gradMeans[3 * j + 1] += dy;
      gradMeans[3 * j + 2] += dz;
      gxi -= dx;
      gyi -= dy;
      gzi -= dz;
      g00 += ax * gx;
      g01 += ax * gy;
      g02 += ax * gz;
      g10 += ay * gx;
      g11 += ay * gy;
      g12 += ay * gz;
      g20 += az * gx;
      g21 += az * gy;
      g22 += az * gz;
    }
    gradMeans[3 * i] += gxi;
    gradMeans[3 * i + 1] += gyi;
    gradMeans[3 * i + 2] += gzi;
    // Through the polynomial rotation matrix of the unit quaternion (w, x, y, z).
    gradRel[o] = 2 * (-g01 * qz + g02 * qy + g10 * qz - g12 * qx - g20 * qy + g21 * qx);
    gradRel[o + 1] =
      2 * (g01 * qy + g02 * qz + g10 * qy - 2 * g11 * qx - g12 * w + g20 * qz + g21 * w - 2 * g22 * qx);
    gradRel[o + 2] =
      2 * (-2 * g00 * qy + g01 * qx + g02 * w + g10 * qx + g12 * qz - g20 * w + g21 * qz - 2 * g22 * qy);
    gradRel[o + 3] =
      2 * (-2 * g00 * qz - g01 * w + g02 * qx + g10 * w - 2 * g11 * qz + g12 * qy + g20 * qx + g21 * qy);
  }
  relativeRotationsBackward(points, quaternions, prevQuaternions, gradRel, gradQuaternions);
  return { value: sum * inv, gradMeans, gradQuaternions };
}

/**
 * rot: err_ij = || q_rel,j - q_rel,i ||, a plain 4-vector difference with no sign handling (as the reference):
 * neighbours should turn alike. Depends on the quaternions only.
 */
export function rotationSimilarityLoss(x: PhysicalLossInputs): LossWithGrad {
  return toFloat32(rotationSimilarityLoss64(x));
}

/** rotationSimilarityLoss with float64 gradients. */
export function rotationSimilarityLoss64(x: PhysicalLossInputs): LossWithGrad64 {
  const { graph, quaternions, prevQuaternions } = x;
  const n = checkPhysicalInputs(x, 'rotationSimilarityLoss', true);
  const { count, k, points, indices, weights } = graph;
  const pairs = count * k;
  if (pairs === 0) return { value: 0, gradQuaternions: new Float64Array(4 * n) };
  const rel = new Float64Array(4 * n);
  const gradRel = new Float64Array(4 * n);
  relativeRotations(points, quaternions, prevQuaternions, rel);
  const inv = 1 / pairs;
  let sum = 0;
  for (let r = 0; r < count; r++) {
    const o = 4 * points[r];
    const a0 = rel[o];
    const a1 = rel[o + 1];
    const a2 = rel[o + 2];
    const a3 = rel[o + 3];
    let h0 = 0;
    let h1 = 0;
    let h2 = 0;
    let h3 = 0;
    for (let e = r * k; e < r * k + k; e++) {
      const p = 4 * indices[e];
      const d0 = rel[p] - a0;
      const d1 = rel[p + 1] - a1;
      const d2 = rel[p + 2] - a2;
      const d3 = rel[p + 3] - a3;
      const wij = weights[e];
      const l = Math.sqrt(wij * (d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3) + EPSILON);
      sum += l;
      const c = (wij * inv) / l;
      gradRel[p] += c * d0;
      gradRel[p + 1] += c * d1;
      gradRel[p + 2] += c * d2;
      gradRel[p + 3] += c * d3;
      h0 += c * d0;
      h1 += c * d1;
      h2 += c * d2;
      h3 += c * d3;
    }
    gradRel[o] -= h0;
    gradRel[o + 1] -= h1;
    gradRel[o + 2] -= h2;
    gradRel[o + 3] -= h3;
  }
  const gradQuaternions = new Float64Array(4 * n);
  relativeRotationsBackward(points, quaternions, prevQuaternions, gradRel, gradQuaternions);
  return { value: sum * inv, gradQuaternions };
}

/**
 * iso: err_ij = | ||x_j,t - x_i,t|| - d0_ij |, against the frame-0 distances (long-term, where rigidity is
 * short-term). The current length is sqrt(|a|^2 + 1e-20) as in the reference, which keeps it differentiable when
 * two Gaussians coincide. Depends on the means only; the previous frame is not used.
 */
export function isometryLoss(x: PhysicalLossInputs): LossWithGrad {
  return toFloat32(isometryLoss64(x));
}

/** isometryLoss with float64 gradients. */
export function isometryLoss64(x: PhysicalLossInputs): LossWithGrad64 {
  const { graph, means } = x;
  const n = checkPhysicalInputs(x, 'isometryLoss', false);
  const { count, k, points, indices, weights, restDistances } = graph;
  const gradMeans = new Float64Array(3 * n);
  const pairs = count * k;
  if (pairs === 0) return { value: 0, gradMeans };
  const inv = 1 / pairs;
  let sum = 0;
  for (let r = 0; r < count; r++) {
    const i = points[r];
    const xi = means[3 * i];
    const yi = means[3 * i + 1];
    const zi = means[3 * i + 2];
    let gxi = 0;
    let gyi = 0;
    let gzi = 0;
    for (let e = r * k; e < r * k + k; e++) {
      const j = indices[e];
      const ax = means[3 * j] - xi;
      const ay = means[3 * j + 1] - yi;
      const az = means[3 * j + 2] - zi;
      const m = Math.sqrt(ax * ax + ay * ay + az * az + EPSILON);
      const u = m - restDistances[e];
      const wij = weights[e];
      const l = Math.sqrt(wij * u * u + EPSILON);
      sum += l;
      const c = (wij * u * inv) / (l * m);
      const dx = c * ax;
      const dy = c * ay;
      const dz = c * az;
      gradMeans[3 * j] += dx;
      gradMeans[3 * j + 1] += dy;
      gradMeans[3 * j + 2] += dz;
      gxi -= dx;
      gyi -= dy;
      gzi -= dz;
    }
    gradMeans[3 * i] += gxi;
    gradMeans[3 * i + 1] += gyi;
    gradMeans[3 * i + 2] += gzi;
  }
  return { value: sum * inv, gradMeans };
}

/** Largest Gaussian index a graph refers to, computed once per graph (the graph is fixed for an episode). */
const graphExtent = new WeakMap<NeighbourGraph, number>();

function maxIndex(graph: NeighbourGraph): number {
  let m = graphExtent.get(graph);
  if (m === undefined) {
    m = -1;
    for (let r = 0; r < graph.points.length; r++) if (graph.points[r] > m) m = graph.points[r];
    for (let e = 0; e < graph.indices.length; e++) if (graph.indices[e] > m) m = graph.indices[e];
    graphExtent.set(graph, m);
  }
  return m;
}

/**
 * Validates the shapes once per call (cheap next to the loop) and returns N, the number of Gaussians. Shared with
 * the fused physicalLosses so that both reject the same inputs with the same messages.
 */
export function checkPhysicalInputs(x: PhysicalLossInputs, name: string, withQuaternions: boolean): number {
  const { graph, means, quaternions, prevMeans, prevQuaternions } = x;
  if (means.length % 3 !== 0) {
    throw new RangeError(`${name}: means has ${means.length} values, expected 3 per Gaussian`);
  }
  const n = means.length / 3;
  if (prevMeans.length !== 3 * n) {
    throw new RangeError(`${name}: prevMeans has ${prevMeans.length} values, expected ${3 * n} (like means)`);
  }
  if (withQuaternions && (quaternions.length !== 4 * n || prevQuaternions.length !== 4 * n)) {
    throw new RangeError(
      `${name}: quaternions/prevQuaternions have ${quaternions.length}/${prevQuaternions.length} values, expected ${4 * n} (4 per Gaussian)`,
    );
  }
  const { count, k } = graph;
  if (
    graph.points.length !== count ||
    graph.indices.length !== count * k ||
    graph.weights.length !== count * k
  ) {
    throw new RangeError(`${name}: graph arrays do not match count = ${count}, k = ${k}`);
  }
  if (graph.restDistances.length !== count * k) {
    throw new RangeError(
      `${name}: graph.restDistances has ${graph.restDistances.length} values, expected ${count * k}`,
    );
  }
  if (maxIndex(graph) >= n) {
    throw new RangeError(`${name}: graph refers to Gaussian ${maxIndex(graph)} but means has only ${n}`);
  }
  return n;
}
