import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphEdges } from '../../src/graph/build-edges.js';
import { buildGraph } from '../../src/graph/build-graph.js';
import {
  edgeFeatureNames,
  edgeFeatures,
  vertexFeatureNames,
  vertexFeatures,
} from '../../src/graph/features.js';
import type { GraphInput } from '../../src/graph/graph-input.js';
import { DYNAMICS_OBJECTS, edgeDim, objectConfig, vertexDim } from '../../src/object-config.js';

// Two objects and the tool over three history frames (oldest first).
const input: GraphInput = {
  objectCount: 2,
  objectHistory: Float32Array.from(
    [
      [0, 0, 0.1, 0.1, 0, 0],
      [0.01, 0, 0.1, 0.1, 0.02, 0],
      [0.03, 0, 0.12, 0.1, 0.02, 0.01],
    ].flat(),
  ),
  toolHistory: Float32Array.from([0.2, 0, 0.05, 0.19, 0, 0.05, 0.17, 0, 0.05]),
  action: [-0.02, 0.01, 0],
};

function assertClose(actual: Float32Array, expected: number[][], what: string): void {
  const flat = expected.flat();
  assert.equal(actual.length, flat.length, what);
  for (const [i, v] of flat.entries())
    assert.ok(Math.abs(actual[i] - v) < 1e-6, `${what}[${i}]: ${actual[i]} vs ${v}`);
}

test('cloth vertex features: attrs, heights, motions, action on the tool only (14-D)', () => {
  const config = objectConfig('cloth');
  assertClose(
    vertexFeatures(input, config),
    [
      [1, 0, 0.1, 0.1, 0.12, 0.01, 0, 0, 0.02, 0, 0.02, 0, 0, 0],
      [1, 0, 0, 0, 0.01, 0, 0.02, 0, 0, 0, 0.01, 0, 0, 0],
      [0, 1, 0.05, 0.05, 0.05, -0.01, 0, 0, -0.02, 0, 0, -0.02, 0.01, 0],
    ],
    'cloth vertices',
  );
});

test('rope vertex features: attrs and action (5-D)', () => {
  assertClose(
    vertexFeatures(input, objectConfig('rope')),
    [
      [1, 0, 0, 0, 0],
      [1, 0, 0, 0, 0],
      [0, 1, -0.02, 0.01, 0],
    ],
    'rope vertices',
  );
});

test('edge features: receiver and sender attrs, group difference, receiver - sender per history frame', () => {
  const edges: GraphEdges = {
    objectCount: 2,
    count: 3,
    receivers: Int32Array.from([0, 2, 1]),
    senders: Int32Array.from([1, 0, 2]),
  };
  for (const object of DYNAMICS_OBJECTS)
    assertClose(
      edgeFeatures(edges, input, objectConfig(object)),
      [
        [1, 0, 1, 0, 0, -0.1, 0, 0.1, -0.09, -0.02, 0.1, -0.07, -0.02, 0.11],
        [0, 1, 1, 0, 1, 0.2, 0, -0.05, 0.18, 0, -0.05, 0.14, 0, -0.07],
        [1, 0, 0, 1, 1, -0.1, 0, -0.05, -0.09, 0.02, -0.05, -0.07, 0.02, -0.04],
      ],
      `${object} edges`,
    );
});

test('feature names spell out the widths of object-config', () => {
  for (const object of DYNAMICS_OBJECTS) {
    const config = objectConfig(object);
    assert.equal(vertexFeatureNames(config).length, vertexDim(config));
    assert.equal(edgeFeatureNames(config).length, edgeDim(config));
  }
  assert.deepEqual(vertexFeatureNames(objectConfig('rope')), [
    'attr.object',
    'attr.tool',
    'action.x',
    'action.y',
    'action.z',
  ]);
  assert.deepEqual(vertexFeatureNames(objectConfig('cloth')).slice(2, 6), [
    'z.0',
    'z.1',
    'z.2',
    'motion.0.x',
  ]);
  assert.deepEqual(edgeFeatureNames(objectConfig('plush')).slice(4, 7), [
    'groupDifference',
    'relative.0.x',
    'relative.0.y',
  ]);
});

test('buildGraph takes edges from the last history frame; given edges are kept, features follow the input', () => {
  const config = { ...objectConfig('cloth'), edgeRadius: 0.05 };
  // In the last frame the two objects are 0.13 apart, beyond the 0.05 radius: self-edges and the tool edges that
  // connectAllToTool adds.
  const graph = buildGraph(input, config);
  assert.equal(graph.vertexCount, 3);
  assert.deepEqual(
    Array.from({ length: graph.edges.count }, (_, e) => [graph.edges.receivers[e], graph.edges.senders[e]]),
    [
      [0, 0],
      [0, 2],
      [1, 1],
      [1, 2],
      [2, 0],
      [2, 1],
    ],
  );
  // Moving the objects together in the oldest frame changes features, not edges.
  const earlier = { ...input, objectHistory: Float32Array.from(input.objectHistory as Float32Array) };
  (earlier.objectHistory as Float32Array).set([0.1, 0, 0], 0);
  const moved = buildGraph(earlier, config);
  assert.deepEqual(moved.edges, graph.edges);
  assert.notDeepEqual(moved.edgeFeatures, graph.edgeFeatures);
  // Given edges are used as they are.
  const kept = buildGraph(earlier, objectConfig('cloth'), graph.edges);
  assert.equal(kept.edges, graph.edges);
  assert.deepEqual(kept.edgeFeatures, edgeFeatures(graph.edges, earlier, objectConfig('cloth')));
});

test('features reject inputs whose arrays do not match the counts', () => {
  const config = objectConfig('cloth');
  assert.throws(() => vertexFeatures({ ...input, objectCount: 3 }, config), /objectHistory/);
  assert.throws(() => vertexFeatures({ ...input, toolHistory: new Float32Array(6) }, config), /toolHistory/);
  assert.throws(() => vertexFeatures({ ...input, action: [0, 0] }, config), /action/);
  const toolLoop = { objectCount: 2, count: 1, receivers: Int32Array.of(2), senders: Int32Array.of(2) };
  assert.throws(() => edgeFeatures(toolLoop, input, config), /edge 0/);
  assert.throws(() => edgeFeatures({ ...toolLoop, senders: Int32Array.of(3) }, input, config), /edge 0/);
});
