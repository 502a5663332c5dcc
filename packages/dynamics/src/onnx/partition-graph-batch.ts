import type { GraphBatch } from '../graph/types.js';

/** One piece of a partitioned batch: a self-contained batch plus where its outputs go in the whole's output. */
export interface GraphBatchPart {
  batch: GraphBatch;
  /** Its first vertex in the whole batch (its vertices are [vertexOffset, vertexOffset + batch.vertexCount)). */
  vertexOffset: number;
  /** For each of its object vertices, the position of that entry in the whole batch's objectVertices. */
  objectEntries: Int32Array;
}

/**
 * Splits a batch into at most `maxParts` contiguous vertex ranges that no edge crosses, balanced by an estimate of
 * the work (a vertex costs about as much as four edges in the network), so that each part can run on its own.
 * GraphBatch does not record where its samples start, so the cut points are found from the edges: a boundary
 * between vertices c - 1 and c is a valid cut when no edge joins a vertex below c to one at or above it. A batch of
 * concatenated samples can be cut between any two samples; one connected graph stays whole.
 */
export function partitionGraphBatch(batch: GraphBatch, maxParts: number): GraphBatchPart[] {
  if (!Number.isInteger(maxParts) || maxParts < 1)
    throw new RangeError(`partitionGraphBatch: maxParts = ${maxParts}, expected an integer >= 1`);
  const V = batch.vertexCount;
  const E = batch.edgeCount;
  const bounds = cutPoints(batch, maxParts);
  const parts = bounds.length - 1;

  const partOf = new Int32Array(V);
  for (let p = 0; p < parts; p++) partOf.fill(p, bounds[p], bounds[p + 1]);
  const edgeCounts = new Int32Array(parts);
  for (let e = 0; e < E; e++) edgeCounts[partOf[batch.receivers[e]]]++;
  const objectCounts = new Int32Array(parts);
  for (const v of batch.objectVertices) objectCounts[partOf[v]]++;

  const out: GraphBatchPart[] = [];
  for (let p = 0; p < parts; p++) {
    const [from, to] = [bounds[p], bounds[p + 1]];
    out.push({
      batch: {
        vertexCount: to - from,
        vertexDim: batch.vertexDim,
        vertexFeatures: batch.vertexFeatures.slice(from * batch.vertexDim, to * batch.vertexDim),
        edgeCount: edgeCounts[p],
        edgeDim: batch.edgeDim,
        edgeFeatures: new Float32Array(edgeCounts[p] * batch.edgeDim),
        receivers: new Int32Array(edgeCounts[p]),
        senders: new Int32Array(edgeCounts[p]),
        objectVertices: new Int32Array(objectCounts[p]),
      },
      vertexOffset: from,
      objectEntries: new Int32Array(objectCounts[p]),
    });
  }
  const edgeFill = new Int32Array(parts);
  const D = batch.edgeDim;
  for (let e = 0; e < E; e++) {
    const p = partOf[batch.receivers[e]];
    const part = out[p];
    const i = edgeFill[p]++;
    part.batch.receivers[i] = batch.receivers[e] - part.vertexOffset;
    part.batch.senders[i] = batch.senders[e] - part.vertexOffset;
    part.batch.edgeFeatures.set(batch.edgeFeatures.subarray(e * D, (e + 1) * D), i * D);
  }
  const objectFill = new Int32Array(parts);
  for (let k = 0; k < batch.objectVertices.length; k++) {
    const v = batch.objectVertices[k];
    const p = partOf[v];
    const i = objectFill[p]++;
    out[p].batch.objectVertices[i] = v - out[p].vertexOffset;
    out[p].objectEntries[i] = k;
  }
  return out;
}

/**
 * Vertices per part, small enough for onnxruntime's working set to stay in cache: on a batch of 512 50-particle
 * ropes, parts of 16-32 graphs (800-1,600 vertices) took 25-45 % less CPU per graph than the whole batch in one
 * run, at widths 64 to 512, and far less system time (bench/onnx.bench.ts, "part size").
 */
export const DEFAULT_PART_VERTICES = 1024;

/**
 * How many parts to cut a batch of `vertexCount` vertices into for `workers` workers: parts of about
 * `partVertices` vertices, at least one per worker, in a multiple of the workers so that they end together.
 */
export function partCount(
  vertexCount: number,
  workers: number,
  partVertices = DEFAULT_PART_VERTICES,
): number {
  if (!Number.isInteger(partVertices) || partVertices < 1)
    throw new RangeError(`partVertices = ${partVertices}, expected an integer >= 1`);
  return workers * Math.max(1, Math.ceil(vertexCount / (partVertices * workers)));
}

/** The parts' displacements (one [K_p, 3] array each) put back in the order of the whole batch's objectVertices. */
export function mergePartDisplacements(
  parts: readonly GraphBatchPart[],
  outputs: readonly Float32Array[],
  objectCount: number,
): Float32Array {
  const merged = new Float32Array(objectCount * 3);
  for (const [p, part] of parts.entries()) {
    const output = outputs[p];
    if (output.length !== part.objectEntries.length * 3)
      throw new RangeError(`part ${p}: ${output.length} values, expected ${part.objectEntries.length * 3}`);
    for (let i = 0; i < part.objectEntries.length; i++) {
      const k = part.objectEntries[i];
      merged[3 * k] = output[3 * i];
      merged[3 * k + 1] = output[3 * i + 1];
      merged[3 * k + 2] = output[3 * i + 2];
    }
  }
  return merged;
}

/** Part boundaries [0, c1, ..., V] at valid cuts, each chosen nearest to an equal share of the work. */
function cutPoints(batch: GraphBatch, maxParts: number): number[] {
  const V = batch.vertexCount;
  if (maxParts === 1 || V < 2) return [0, V];
  // crossing[c] = number of edges spanning the boundary between vertex c - 1 and vertex c.
  const delta = new Int32Array(V + 1);
  const work = new Float64Array(V + 1);
  for (let e = 0; e < batch.edgeCount; e++) {
    const a = batch.receivers[e];
    const b = batch.senders[e];
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    if (lo < hi) {
      delta[lo + 1]++;
      delta[hi + 1]--;
    }
    work[a + 1] += 1;
  }
  const validCuts: number[] = [];
  const workBefore: number[] = [];
  let crossing = 0;
  for (let c = 1; c <= V; c++) {
    crossing += delta[c];
    work[c] += work[c - 1] + 4;
    if (c < V && crossing === 0) {
      validCuts.push(c);
      workBefore.push(work[c]);
    }
  }
  const total = work[V];
  const bounds = [0];
  let next = 0; // first candidate not yet used
  for (let p = 1; p < maxParts && next < validCuts.length; p++) {
    const target = (total * p) / maxParts;
    // Leave a cut for each remaining part where there are enough, so that every part asked for is used.
    const last = Math.max(next, validCuts.length - (maxParts - p));
    let i = next;
    while (i + 1 <= last && workBefore[i + 1] <= target) i++;
    if (i + 1 <= last && Math.abs(workBefore[i + 1] - target) < Math.abs(workBefore[i] - target)) i++;
    bounds.push(validCuts[i]);
    next = i + 1;
  }
  bounds.push(V);
  return bounds;
}
