import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import type { GraphBatch } from '../../src/graph/types.js';
import { concatGraphBatches } from '../../src/model/concat-graph-batches.js';
import { propNetForward } from '../../src/model/forward.js';
import { initPropNet } from '../../src/model/params.js';
import {
  mergePartDisplacements,
  partCount,
  partitionGraphBatch,
} from '../../src/onnx/partition-graph-batch.js';
import { randomGraph } from '../model/random-graph.js';

const dims = { vertexDim: 5, edgeDim: 14 };
const config = { ...dims, hidden: 6, propagationSteps: 2 };

/** Random samples, each connected: the first vertices - 1 edges form a chain, the others are random. */
function samples(random: Random, count: number): GraphBatch[] {
  return Array.from({ length: count }, () => {
    const vertices = 2 + random.int(12);
    const edges = vertices - 1 + random.int(3 * vertices);
    const graph = randomGraph(random, { vertices, edges, ...dims, objects: 1 + random.int(vertices) });
    for (let e = 0; e < vertices - 1; e++) {
      graph.receivers[e] = e + 1;
      graph.senders[e] = e;
    }
    return graph;
  });
}

/** Shuffles objectVertices so that the parts' outputs must be scattered back, not appended. */
function shuffledObjects(batch: GraphBatch, random: Random): GraphBatch {
  const objectVertices = batch.objectVertices.slice();
  for (let i = objectVertices.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [objectVertices[i], objectVertices[j]] = [objectVertices[j], objectVertices[i]];
  }
  return { ...batch, objectVertices };
}

test('parts are self-contained, cover the batch once, and give the whole batch outputs when merged', () => {
  const random = new Random(21);
  const params = initPropNet(config, 1);
  for (const maxParts of [1, 2, 3, 7, 40]) {
    const batch = shuffledObjects(concatGraphBatches(samples(random, 12)), random);
    const parts = partitionGraphBatch(batch, maxParts);
    assert.ok(parts.length >= 1 && parts.length <= maxParts);
    let vertices = 0;
    let edges = 0;
    const seen = new Set<number>();
    for (const part of parts) {
      assert.equal(part.vertexOffset, vertices, 'parts are contiguous and in order');
      vertices += part.batch.vertexCount;
      edges += part.batch.edgeCount;
      for (const k of part.objectEntries) seen.add(k);
    }
    assert.equal(vertices, batch.vertexCount);
    assert.equal(edges, batch.edgeCount);
    assert.equal(seen.size, batch.objectVertices.length);
    const outputs = parts.map((p) => propNetForward(params, config, p.batch)); // also checks the parts' indices
    assert.deepEqual(
      mergePartDisplacements(parts, outputs, batch.objectVertices.length),
      propNetForward(params, config, batch),
    );
  }
});

test('twelve samples split into as many parts as asked, none cut inside a sample', () => {
  const random = new Random(22);
  const list = samples(random, 12);
  const batch = concatGraphBatches(list);
  const starts = new Set<number>();
  let offset = 0;
  for (const s of list) {
    starts.add(offset);
    offset += s.vertexCount;
  }
  for (const maxParts of [2, 4, 12]) {
    const parts = partitionGraphBatch(batch, maxParts);
    assert.equal(parts.length, maxParts);
    for (const part of parts)
      assert.ok(starts.has(part.vertexOffset), `cut at ${part.vertexOffset} inside a sample`);
  }
});

test('a connected graph stays whole, an edge between two samples keeps them together', () => {
  const random = new Random(23);
  const chain: GraphBatch = {
    ...randomGraph(random, { vertices: 10, edges: 9, ...dims }),
    receivers: Int32Array.from({ length: 9 }, (_, i) => i + 1),
    senders: Int32Array.from({ length: 9 }, (_, i) => i),
  };
  assert.equal(partitionGraphBatch(chain, 4).length, 1);

  const [a, b, c] = samples(random, 3);
  const joined = concatGraphBatches([a, b, c]);
  // One more edge, from the last vertex of c to the first vertex of b: b and c must stay in one part.
  const bridged: GraphBatch = {
    ...joined,
    edgeCount: joined.edgeCount + 1,
    edgeFeatures: Float32Array.from([...joined.edgeFeatures, ...new Float32Array(14)]),
    receivers: Int32Array.from([...joined.receivers, a.vertexCount]),
    senders: Int32Array.from([...joined.senders, joined.vertexCount - 1]),
  };
  const parts = partitionGraphBatch(bridged, 3);
  assert.deepEqual(
    parts.map((p) => p.vertexOffset),
    [0, a.vertexCount],
  );
});

test('balanced: equal samples split evenly', () => {
  const random = new Random(24);
  const one = randomGraph(random, { vertices: 10, edges: 30, ...dims });
  const batch = concatGraphBatches(Array.from({ length: 64 }, () => one));
  const parts = partitionGraphBatch(batch, 4);
  assert.deepEqual(
    parts.map((p) => p.batch.vertexCount),
    [160, 160, 160, 160],
  );
  assert.throws(() => partitionGraphBatch(batch, 0), /maxParts = 0, expected an integer >= 1/);
});

test('partCount: parts of about partVertices, at least one per worker, a multiple of the workers', () => {
  assert.equal(partCount(100, 2, 1024), 2);
  assert.equal(partCount(512 * 51, 2, 1024), 26); // 26,112 vertices: 12.75 parts per worker, rounded up
  assert.equal(partCount(512 * 51, 1, 1024), 26);
  assert.equal(partCount(0, 3, 10), 3);
  assert.throws(() => partCount(10, 1, 0), /partVertices = 0, expected an integer >= 1/);
});
