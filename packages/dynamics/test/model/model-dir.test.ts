import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeNpz } from '@gsdyn/formats';
import { Random } from '@gsdyn/geometry';
import { propNetForward } from '../../src/model/forward.js';
import {
  loadModel,
  MODEL_JSON_FILE,
  MODEL_ONNX_FILE,
  MODEL_WEIGHTS_FILE,
  type PropNetModel,
  readModelOnnx,
  saveModel,
} from '../../src/model/model-dir.js';
import { initPropNet } from '../../src/model/params.js';
import { edgeDim, objectConfig, vertexDim } from '../../src/object-config.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { randomGraph } from './random-graph.js';

const root = await mkdtemp(join(tmpdir(), 'gsdyn-model-dir-'));
after(() => rm(root, { recursive: true, force: true }));

const object = objectConfig('rope');
const config = { vertexDim: vertexDim(object), edgeDim: edgeDim(object), hidden: 8, propagationSteps: 3 };
const model: PropNetModel = {
  config,
  object,
  params: initPropNet(config, 42),
  training: { epochs: 3, losses: [0.5, 0.25, 0.125], dataset: { episodes: 2 } },
};

let dirCount = 0;
async function savedCopy(): Promise<string> {
  const dir = join(root, `model-${dirCount++}`);
  await saveModel(dir, model);
  return dir;
}

async function editJson(dir: string, edit: (json: Record<string, unknown>) => void): Promise<void> {
  const path = join(dir, MODEL_JSON_FILE);
  const json = JSON.parse(await readFile(path, 'utf8'));
  edit(json);
  await writeFile(path, JSON.stringify(json));
}

test('a saved model loads back identical, with its ONNX export, and nothing else in the directory', async () => {
  const dir = await savedCopy();
  assert.deepEqual(
    (await readdir(dir)).sort(),
    [MODEL_JSON_FILE, MODEL_ONNX_FILE, MODEL_WEIGHTS_FILE].sort(),
  );
  const loaded = await loadModel(dir);
  assert.deepEqual(loaded, model);
  assert.deepEqual(await readModelOnnx(dir), exportOnnx(model.params, model.config));
  const graph = randomGraph(new Random(1), { vertices: 5, edges: 12, vertexDim: 5, edgeDim: 14 });
  assert.deepEqual(
    propNetForward(loaded.params, loaded.config, graph),
    propNetForward(model.params, config, graph),
  );
});

test('saving twice gives the same bytes, and onnx: false leaves model.onnx out', async () => {
  const a = await savedCopy();
  const b = await savedCopy();
  for (const file of [MODEL_JSON_FILE, MODEL_WEIGHTS_FILE])
    assert.deepEqual(await readFile(join(a, file)), await readFile(join(b, file)));
  const dir = join(root, 'no-onnx');
  await saveModel(dir, model, { onnx: false });
  assert.deepEqual((await readdir(dir)).sort(), [MODEL_JSON_FILE, MODEL_WEIGHTS_FILE]);
});

test('model.json problems name the file and the field', async () => {
  const missing = join(root, 'nothing-here');
  await assert.rejects(loadModel(missing), new RegExp(`${MODEL_JSON_FILE}: cannot read`));

  const dir = await savedCopy();
  const jsonPath = join(dir, MODEL_JSON_FILE);
  await editJson(dir, (json) => {
    (json.config as Record<string, unknown>).hidden = -1;
    (json.object as Record<string, unknown>).object = 'sponge';
    json.colour = 'red';
  });
  await assert.rejects(loadModel(dir), (error: Error) => {
    assert.ok(error.message.startsWith(`${jsonPath}: invalid model description`));
    assert.match(error.message, /config\.hidden: /);
    assert.match(error.message, /object\.object: /);
    assert.match(error.message, /colour: unknown field/);
    return true;
  });

  const widths = await savedCopy();
  await editJson(widths, (json) => {
    (json.config as Record<string, unknown>).vertexDim = 14;
  });
  await assert.rejects(
    loadModel(widths),
    /config\.vertexDim: 14 does not match object 'rope' \(expected 5\)/,
  );

  const broken = await savedCopy();
  await writeFile(join(broken, MODEL_JSON_FILE), '{"format": ');
  await assert.rejects(loadModel(broken), new RegExp(`${MODEL_JSON_FILE}: not valid JSON`));
});

test('weights that were replaced, lack an array, have a wrong shape or an extra array are rejected', async () => {
  const dir = await savedCopy();
  const weightsPath = join(dir, MODEL_WEIGHTS_FILE);
  const arrays = Object.fromEntries(
    model.params.map((p) => [p.name, { dtype: 'float32' as const, shape: p.shape, data: p.data }]),
  );
  const write = async (npz: Record<string, (typeof arrays)[string]>) => {
    const bytes = encodeNpz(npz);
    await writeFile(weightsPath, bytes);
    const { createHash } = await import('node:crypto');
    await editJson(dir, (json) => {
      (json.weights as Record<string, unknown>).sha256 = createHash('sha256').update(bytes).digest('hex');
    });
  };

  await writeFile(weightsPath, encodeNpz({ ...arrays, 'decoder.2.bias': arrays['decoder.1.bias'] }));
  await assert.rejects(loadModel(dir), /weights\.npz: SHA-256 [0-9a-f]+ differs from .*weights\.sha256/);

  const { 'decoder.2.bias': _, ...withoutBias } = arrays;
  await write(withoutBias);
  await assert.rejects(loadModel(dir), /weights\.npz: missing array 'decoder\.2\.bias' \[3\]/);

  await write({ ...arrays, 'decoder.2.bias': arrays['decoder.1.bias'] });
  await assert.rejects(loadModel(dir), /'decoder\.2\.bias' has shape \[8\], expected \[3\]/);

  await write({ ...arrays, extra: arrays['decoder.1.bias'] });
  await assert.rejects(loadModel(dir), /weights\.npz: unknown arrays extra/);
});
