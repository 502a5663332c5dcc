import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Random } from '@gsdyn/geometry';
import { concatGraphBatches } from '../../src/model/concat-graph-batches.js';
import type { PropNetConfig } from '../../src/model/config.js';
import { propNetForward } from '../../src/model/forward.js';
import { initPropNet } from '../../src/model/params.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { createOnnxRunner } from '../../src/onnx/runner-pool.js';
import { createOnnxSession } from '../../src/onnx/session.js';
import { maxAbsDiff, randomGraph } from '../model/random-graph.js';

const config: PropNetConfig = { vertexDim: 14, edgeDim: 14, hidden: 16, propagationSteps: 3 };
const params = initPropNet(config, 31);
const model = exportOnnx(params, config);
const runner = await createOnnxRunner(model, { workers: 2 });
after(() => runner.dispose());

function batchOf(seed: number, samples: number) {
  const random = new Random(seed);
  const graphs = Array.from({ length: samples }, () =>
    randomGraph(random, {
      vertices: 6 + random.int(20),
      edges: 10 + random.int(60),
      vertexDim: 14,
      edgeDim: 14,
    }),
  );
  const batch = concatGraphBatches(graphs);
  // Object vertices out of vertex order, so the merge has to put the parts' outputs back in place.
  return { ...batch, objectVertices: batch.objectVertices.slice().reverse() };
}

test('the worker pool gives the single session outputs, in objectVertices order', async () => {
  const batch = batchOf(1, 16);
  const single = await createOnnxSession(model);
  const expected = await single.run(batch);
  await single.dispose();
  assert.equal(runner.workers, 2);
  // Not bit-equal in general: the kernels may round rows differently for different row counts.
  assert.ok(maxAbsDiff(await runner.run(batch), expected) < 1e-6);
  assert.ok(maxAbsDiff(expected, propNetForward(params, config, batch)) < 1e-4);
});

test('a batch cut into many small parts gives the same outputs as in one part, pooled or in-process', async () => {
  const batch = batchOf(7, 40);
  const whole = await createOnnxSession(model, { partVertices: 1e9 });
  const expected = await whole.run(batch);
  await whole.dispose();
  const chunked = await createOnnxSession(model, { partVertices: 60 });
  const pool = await createOnnxRunner(model, { workers: 2, partVertices: 60 });
  try {
    assert.ok(maxAbsDiff(await chunked.run(batch), expected) < 1e-6);
    assert.ok(maxAbsDiff(await pool.run(batch), expected) < 1e-6);
  } finally {
    await chunked.dispose();
    await pool.dispose();
  }
});

test('concurrent runs each get their own outputs; one sample and empty batches run', async () => {
  const batches = [batchOf(2, 5), batchOf(3, 1), batchOf(4, 9), batchOf(5, 2)];
  const outputs = await Promise.all(batches.map((b) => runner.run(b)));
  for (const [i, b] of batches.entries())
    assert.ok(maxAbsDiff(outputs[i], propNetForward(params, config, b)) < 1e-4, `batch ${i}`);
  assert.equal((await runner.run({ ...batches[0], objectVertices: new Int32Array(0) })).length, 0);
  await assert.rejects(runner.run({ ...batches[0], vertexDim: 5 }), /vertexDim = 5: the network expects 14/);
});

test('a model that does not load fails creation; dispose is idempotent and run afterwards rejects', async () => {
  await assert.rejects(
    createOnnxRunner(new Uint8Array([1, 2, 3]), { workers: 1 }),
    /ONNX worker 0: cannot load the model/,
  );
  await assert.rejects(createOnnxRunner(model, { workers: 0 }), /workers = 0, expected an integer >= 1/);
  // A wide network on a large batch (seconds of work in parts of about 0.1 s), disposed 30 ms in: the thread is
  // inside onnxruntime when the pool closes (terminating it there would abort this process).
  const wide = { ...config, hidden: 128 };
  const pool = await createOnnxRunner(exportOnnx(initPropNet(wide, 1), wide), { workers: 1 });
  const one = batchOf(6, 1);
  const running = pool.run(concatGraphBatches(Array.from({ length: 4000 }, () => one)));
  running.catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 30));
  const disposed = pool.dispose();
  await assert.rejects(running, /disposed while running/);
  await disposed;
  await pool.dispose();
  await assert.rejects(pool.run(batchOf(6, 1)), /run\(\) after dispose\(\)/);
});

test('an idle pool does not keep the process alive, disposed or not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gsdyn-onnx-pool-'));
  try {
    const src = (path: string) =>
      JSON.stringify(fileURLToPath(new URL(`../../src/${path}`, import.meta.url)));
    for (const dispose of [false, true]) {
      const script = join(dir, `exit-${dispose}.mts`);
      await writeFile(
        script,
        [
          `import { initPropNet } from ${src('model/params.js')};`,
          `import { exportOnnx } from ${src('onnx/export.js')};`,
          `import { createOnnxRunner } from ${src('onnx/runner-pool.js')};`,
          `const config = { vertexDim: 5, edgeDim: 14, hidden: 4, propagationSteps: 1 };`,
          `const runner = await createOnnxRunner(exportOnnx(initPropNet(config, 1), config), { workers: 2 });`,
          `const batch = { vertexCount: 1, vertexDim: 5, vertexFeatures: new Float32Array(5), edgeCount: 0, edgeDim: 14,`,
          `  edgeFeatures: new Float32Array(0), receivers: new Int32Array(0), senders: new Int32Array(0), objectVertices: Int32Array.from([0]) };`,
          `console.log((await runner.run(batch)).length);`,
          dispose ? 'await runner.dispose();' : '',
        ].join('\n'),
      );
      const child = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(child.signal, null, `the process did not exit by itself (dispose ${dispose})`);
      assert.equal(child.status, 0, child.stderr);
      assert.equal(child.stdout.trim(), '3');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
