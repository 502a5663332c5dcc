import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  loadBaseline,
  parseBaseline,
  saveBaseline,
  serializeBaseline,
} from '../../src/baseline/baseline-file.js';
import { DEFAULT_BASELINE_OPTIONS } from '../../src/baseline/baseline-options.js';
import { DEFAULT_BASELINE_PARAMS } from '../../src/baseline/baseline-params.js';

const fit = { error: 0.0012, initialError: 0.003, windows: 40, evaluations: 1500, seed: 3 };

test('a fitted baseline round-trips through its JSON file exactly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gsdyn-baseline-'));
  try {
    const params = { ...DEFAULT_BASELINE_PARAMS, friction: 0.123456789012345, particleRadius: 0.0111 };
    const options = { ...DEFAULT_BASELINE_OPTIONS, iterations: 5 };
    const path = join(dir, 'sub', 'baseline.json');
    await saveBaseline(path, { params, options, fit });
    const loaded = await loadBaseline(path);
    assert.deepEqual(loaded, { params, options, fit });
    const text = await readFile(path, 'utf8');
    assert.match(text, /"format": "gsdyn.physics-baseline"/);
    // Without options the defaults are recorded; without a fit summary none is.
    const plain = parseBaseline(serializeBaseline({ params }), 'x.json');
    assert.deepEqual(plain, { params, options: DEFAULT_BASELINE_OPTIONS });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad baseline files are rejected naming the file, the field and the expectation', async () => {
  const good = JSON.parse(serializeBaseline({ params: DEFAULT_BASELINE_PARAMS, fit }));
  type Doc = {
    format: unknown;
    version: unknown;
    params: Record<string, unknown>;
    options: Record<string, unknown>;
  };
  const bad = (mutate: (doc: Doc) => void) => {
    const doc = structuredClone(good);
    mutate(doc);
    return JSON.stringify(doc);
  };
  assert.throws(() => parseBaseline('{', 'b.json'), /b.json: not valid JSON/);
  assert.throws(
    () =>
      parseBaseline(
        bad((d) => (d.params.friction = 9)),
        'b.json',
      ),
    /b.json: field params.friction: .*4/,
  );
  assert.throws(
    () =>
      parseBaseline(
        bad((d) => delete d.params.damping),
        'b.json',
      ),
    /field params.damping/,
  );
  assert.throws(
    () =>
      parseBaseline(
        bad((d) => (d.params.extra = 1)),
        'b.json',
      ),
    /field params/,
  );
  assert.throws(
    () =>
      parseBaseline(
        bad((d) => (d.version = 2)),
        'b.json',
      ),
    /field version/,
  );
  assert.throws(
    () =>
      parseBaseline(
        bad((d) => (d.options.iterations = 1.5)),
        'b.json',
      ),
    /field options.iterations/,
  );
  assert.throws(
    () =>
      parseBaseline(
        bad((d) => (d.format = 'other')),
        'b.json',
      ),
    /field format/,
  );
  assert.throws(
    () => serializeBaseline({ params: { ...DEFAULT_BASELINE_PARAMS, damping: -1 } }),
    /serializeBaseline: the baseline: field params.damping/,
  );
  const dir = await mkdtemp(join(tmpdir(), 'gsdyn-baseline-'));
  try {
    const path = join(dir, 'broken.json');
    await writeFile(
      path,
      bad((d) => (d.params.stretchStiffness = 'stiff')),
    );
    await assert.rejects(loadBaseline(path), (e: Error) =>
      e.message.includes(`${path}: field params.stretchStiffness`),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
