import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { batchGraphs } from '../../src/graph/batch-graphs.js';
import { objectObjectEdges } from '../../src/graph/build-edges.js';
import { buildGraph, type ParticleGraph } from '../../src/graph/build-graph.js';
import { objectConfig } from '../../src/object-config.js';

function randomGraph(n: number, seed: number, object: 'rope' | 'cloth' = 'cloth'): ParticleGraph {
  const rng = new Random(seed);
  const config = objectConfig(object);
  const objectHistory = Float32Array.from({ length: 3 * n * 3 }, () => rng.uniform(0, 0.12));
  const toolHistory = Float32Array.from({ length: 9 }, () => rng.uniform(0, 0.12));
  return buildGraph({ objectCount: n, objectHistory, toolHistory, action: [0.01, 0, 0] }, config);
}

test('batching concatenates samples with vertex, object and edge offsets', () => {
  const graphs = [randomGraph(2, 1), randomGraph(3, 2), randomGraph(5, 3)];
  const { batch, samples, objectEdges } = batchGraphs(graphs);
  assert.equal(batch.vertexCount, 3 + 4 + 6);
  assert.deepEqual([...batch.objectVertices], [0, 1, 3, 4, 5, 7, 8, 9, 10, 11]);
  assert.deepEqual(
    samples.map((s) => [s.vertexOffset, s.objectCount, s.toolVertex, s.objectOffset]),
    [
      [0, 2, 2, 0],
      [3, 3, 6, 2],
      [7, 5, 12, 5],
    ],
  );
  assert.equal(
    batch.edgeCount,
    graphs.reduce((sum, g) => sum + g.edges.count, 0),
  );
  graphs.forEach((g, b) => {
    const s = samples[b];
    assert.equal(s.edgeCount, g.edges.count);
    for (let e = 0; e < g.edges.count; e++) {
      assert.equal(batch.receivers[s.edgeOffset + e], s.vertexOffset + g.edges.receivers[e]);
      assert.equal(batch.senders[s.edgeOffset + e], s.vertexOffset + g.edges.senders[e]);
      assert.deepEqual(
        batch.edgeFeatures.subarray((s.edgeOffset + e) * 14, (s.edgeOffset + e + 1) * 14),
        g.edgeFeatures.subarray(e * 14, (e + 1) * 14),
      );
    }
    assert.deepEqual(
      batch.vertexFeatures.subarray(s.vertexOffset * 14, (s.vertexOffset + g.vertexCount) * 14),
      g.vertexFeatures,
    );
  });
  // Object edges as decoder-output rows: each sample's object pairs shifted by its object offset.
  const expected = graphs.flatMap((g, b) => {
    const oo = objectObjectEdges(g.edges);
    return Array.from({ length: oo.count }, (_, e) => [
      samples[b].objectOffset + oo.receivers[e],
      samples[b].objectOffset + oo.senders[e],
    ]);
  });
  assert.deepEqual(
    Array.from({ length: objectEdges.count }, (_, e) => [objectEdges.receivers[e], objectEdges.senders[e]]),
    expected,
  );
  // Every output row maps back to an object vertex, never to a tool.
  for (let e = 0; e < objectEdges.count; e++) {
    const v = batch.objectVertices[objectEdges.receivers[e]];
    assert.ok(!samples.some((s) => s.toolVertex === v));
  }
});

test('batching rejects an empty list and mixed feature widths', () => {
  assert.throws(() => batchGraphs([]), RangeError);
  assert.throws(() => batchGraphs([randomGraph(2, 1, 'cloth'), randomGraph(2, 1, 'rope')]), /feature widths/);
});
