import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import type { GraphBatch } from '../../src/graph/types.js';
import { concatGraphBatches } from '../../src/model/concat-graph-batches.js';
import type { PropNetConfig } from '../../src/model/config.js';
import { propNetForward } from '../../src/model/forward.js';
import { initPropNet } from '../../src/model/params.js';
import { edgeDim, objectConfig, vertexDim } from '../../src/object-config.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { createOnnxSession, type DisplacementRunner } from '../../src/onnx/session.js';
import { handBatch, handConfig, handExpected, handParams } from '../model/hand-network.js';
import { maxAbs, maxAbsDiff, randomGraph } from '../model/random-graph.js';

const configFor = (object: 'rope' | 'cloth'): PropNetConfig => ({
  vertexDim: vertexDim(objectConfig(object)),
  edgeDim: edgeDim(objectConfig(object)),
  hidden: 16,
  propagationSteps: 3,
});

const sessions: DisplacementRunner[] = [];
after(() => Promise.all(sessions.map((s) => s.dispose())));
async function session(bytes: Uint8Array): Promise<DisplacementRunner> {
  const s = await createOnnxSession(bytes);
  sessions.push(s);
  return s;
}

test('the exported hand-worked network gives the displacements computed on paper, clamp included', async () => {
  const onnx = await session(exportOnnx(handParams(), handConfig));
  assert.ok(maxAbsDiff(await onnx.run(handBatch), handExpected) < 1e-5);
  const scaled = await session(exportOnnx(handParams(100), handConfig));
  assert.deepEqual([...(await scaled.run(handBatch))], [20, 100, -100, 100, 0, 100]);
});

/** Several random graphs in one batch: vertices without incoming edges, repeated receivers, a graph with no edges. */
function mixedBatch(random: Random, config: PropNetConfig): GraphBatch {
  const dims = { vertexDim: config.vertexDim, edgeDim: config.edgeDim };
  return concatGraphBatches([
    // 30 vertices, 90 edges into vertices 0..19 only: vertices 20..29 receive nothing, receivers repeat ~4.5 times.
    randomGraph(random, { vertices: 30, edges: 90, ...dims, receiverLimit: 20, objects: 29 }),
    // Every edge into vertex 0: one vertex sums 25 messages.
    randomGraph(random, { vertices: 8, edges: 25, ...dims, receiverLimit: 1 }),
    randomGraph(random, { vertices: 4, edges: 0, ...dims }),
    randomGraph(random, { vertices: 51, edges: 260, ...dims }),
  ]);
}

for (const object of ['rope', 'cloth'] as const) {
  test(`ONNX equals the reference forward on random ${object} graphs (both aggregations)`, async () => {
    const config = configFor(object);
    const random = new Random(object === 'rope' ? 11 : 12);
    for (let trial = 0; trial < 3; trial++) {
      const params = initPropNet(config, 100 + trial);
      const batch = mixedBatch(random, config);
      const expected = propNetForward(params, config, batch);
      assert.ok(maxAbs(expected) > 0.01, 'outputs must not be trivially small');
      for (const aggregation of ['scatter-nd', 'scatter-elements'] as const) {
        const out = await (await session(exportOnnx(params, config, { aggregation }))).run(batch);
        const diff = maxAbsDiff(out, expected);
        assert.ok(diff < 1e-4, `${object} ${aggregation} trial ${trial}: max difference ${diff}`);
      }
    }
  });
}

test('ONNX equals the reference with one propagation step and with five', async () => {
  const random = new Random(13);
  for (const propagationSteps of [1, 5]) {
    const config = { ...configFor('cloth'), propagationSteps };
    const params = initPropNet(config, propagationSteps);
    const batch = mixedBatch(random, config);
    const out = await (await session(exportOnnx(params, config))).run(batch);
    assert.ok(maxAbsDiff(out, propNetForward(params, config, batch)) < 1e-4);
  }
});

test('a batch without edges or without object vertices runs', async () => {
  const config = configFor('rope');
  const params = initPropNet(config, 5);
  const onnx = await session(exportOnnx(params, config));
  const noEdges = randomGraph(new Random(2), { vertices: 5, edges: 0, vertexDim: 5, edgeDim: 14 });
  assert.ok(maxAbsDiff(await onnx.run(noEdges), propNetForward(params, config, noEdges)) < 1e-4);
  assert.equal((await onnx.run({ ...noEdges, objectVertices: new Int32Array(0) })).length, 0);
});

test('the session checks batches against the model widths and refuses to run after dispose', async () => {
  const config = configFor('rope');
  const onnx = await createOnnxSession(exportOnnx(initPropNet(config, 1), config));
  const cloth = randomGraph(new Random(3), { vertices: 3, edges: 2, vertexDim: 14, edgeDim: 14 });
  await assert.rejects(onnx.run(cloth), /GraphBatch\.vertexDim = 14: the network expects 5/);
  const rope = randomGraph(new Random(3), { vertices: 3, edges: 2, vertexDim: 5, edgeDim: 14 });
  await assert.rejects(onnx.run({ ...rope, receivers: Int32Array.from([0, -1]) }), /receivers\[1\] = -1/);
  const big = randomGraph(new Random(4), { vertices: 600, edges: 1800, vertexDim: 5, edgeDim: 14 });
  const running = onnx.run(big);
  await onnx.dispose();
  await assert.rejects(running, /disposed while running/);
  await onnx.dispose();
  await assert.rejects(onnx.run(rope), /run\(\) after dispose\(\)/);
});
