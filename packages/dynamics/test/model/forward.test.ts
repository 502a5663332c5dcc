import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import type { GraphBatch } from '../../src/graph/types.js';
import { concatGraphBatches } from '../../src/model/concat-graph-batches.js';
import { DISPLACEMENT_CLAMP, type PropNetConfig } from '../../src/model/config.js';
import { propNetForward } from '../../src/model/forward.js';
import { initPropNet } from '../../src/model/params.js';
import { handBatch, handConfig, handExpected, handParams } from './hand-network.js';
import { maxAbs, maxAbsDiff, randomGraph } from './random-graph.js';

const rope: PropNetConfig = { vertexDim: 5, edgeDim: 14, hidden: 8, propagationSteps: 3 };

test('the hand-worked two-vertex network gives the displacements computed on paper', () => {
  const out = propNetForward(handParams(), handConfig, handBatch);
  assert.equal(out.length, 6);
  assert.ok(maxAbsDiff(out, handExpected) < 1e-5, `got ${[...out]}`);
});

test('displacements are clamped to +-DISPLACEMENT_CLAMP', () => {
  // Scaling the output layer by 100 gives [20, 600, -555, 1830, 0, 1855] before the clamp.
  const out = propNetForward(handParams(100), handConfig, handBatch);
  assert.deepEqual(
    [...out],
    [20, DISPLACEMENT_CLAMP, -DISPLACEMENT_CLAMP, DISPLACEMENT_CLAMP, 0, DISPLACEMENT_CLAMP],
  );
});

/** The same graph with its vertices renumbered by `order` (new vertex i is old vertex order[i]) and edges reversed. */
function permuted(batch: GraphBatch, order: number[]): GraphBatch {
  const newIndex = new Int32Array(order.length);
  order.forEach((old, i) => {
    newIndex[old] = i;
  });
  const D = batch.vertexDim;
  const vertexFeatures = new Float32Array(batch.vertexFeatures.length);
  order.forEach((old, i) => {
    vertexFeatures.set(batch.vertexFeatures.subarray(old * D, (old + 1) * D), i * D);
  });
  const E = batch.edgeCount;
  const F = batch.edgeDim;
  const edgeFeatures = new Float32Array(batch.edgeFeatures.length);
  const receivers = new Int32Array(E);
  const senders = new Int32Array(E);
  for (let e = 0; e < E; e++) {
    const from = E - 1 - e;
    edgeFeatures.set(batch.edgeFeatures.subarray(from * F, (from + 1) * F), e * F);
    receivers[e] = newIndex[batch.receivers[from]];
    senders[e] = newIndex[batch.senders[from]];
  }
  return {
    ...batch,
    vertexFeatures,
    edgeFeatures,
    receivers,
    senders,
    objectVertices: batch.objectVertices.map((v) => newIndex[v]),
  };
}

test('renumbering the vertices and reordering the edges leaves every object displacement unchanged', () => {
  const random = new Random(7);
  const params = initPropNet(rope, 3);
  const graph = randomGraph(random, { vertices: 12, edges: 40, vertexDim: 5, edgeDim: 14 });
  const order = Array.from({ length: 12 }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const a = propNetForward(params, rope, graph);
  const b = propNetForward(params, rope, permuted(graph, order));
  assert.ok(maxAbs(a) > 1e-3, 'outputs must not be trivially zero');
  assert.ok(maxAbsDiff(a, b) < 1e-6, `max difference ${maxAbsDiff(a, b)}`);
});

test('a batch of two graphs gives each graph the outputs it has alone', () => {
  const random = new Random(8);
  const params = initPropNet(rope, 4);
  const g1 = randomGraph(random, { vertices: 9, edges: 30, vertexDim: 5, edgeDim: 14 });
  const g2 = randomGraph(random, { vertices: 6, edges: 14, vertexDim: 5, edgeDim: 14, objects: 3 });
  const both = propNetForward(params, rope, concatGraphBatches([g1, g2]));
  const alone = [...propNetForward(params, rope, g1), ...propNetForward(params, rope, g2)];
  assert.deepEqual([...both], alone);
});

test('a vertex that receives no message still gets the update from its own encoding', () => {
  // Vertex 3 receives nothing: its state must equal that of the same vertex in a graph without any edges.
  const random = new Random(9);
  const params = initPropNet(rope, 5);
  const graph = randomGraph(random, {
    vertices: 4,
    edges: 6,
    vertexDim: 5,
    edgeDim: 14,
    objects: 4,
    receiverLimit: 3,
  });
  const isolated: GraphBatch = {
    ...graph,
    vertexCount: 1,
    vertexFeatures: graph.vertexFeatures.slice(15, 20),
    edgeCount: 0,
    edgeFeatures: new Float32Array(0),
    receivers: new Int32Array(0),
    senders: new Int32Array(0),
    objectVertices: Int32Array.from([0]),
  };
  const out = propNetForward(params, rope, graph);
  assert.deepEqual([...out.subarray(9, 12)], [...propNetForward(params, rope, isolated)]);
});

test('bad batches and parameters are rejected with the field named', () => {
  const params = initPropNet(rope, 1);
  const graph = randomGraph(new Random(1), { vertices: 3, edges: 2, vertexDim: 5, edgeDim: 14 });
  assert.throws(
    () => propNetForward(params, rope, { ...graph, senders: Int32Array.from([0, 3]) }),
    /GraphBatch\.senders\[1\] = 3: expected a vertex index in \[0, 3\)/,
  );
  assert.throws(
    () => propNetForward(params, rope, { ...graph, edgeFeatures: new Float32Array(5) }),
    /GraphBatch\.edgeFeatures has 5 values, expected 28/,
  );
  assert.throws(
    () => propNetForward(params, { ...rope, vertexDim: 14 }, graph),
    /particleEncoder\.0\.weight has shape/,
  );
  assert.throws(() => propNetForward(params.slice(1), rope, graph), /21 parameters, expected 22/);
});
