import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PropNetConfig, propNetLayers } from '../../src/model/config.js';
import {
  checkPropNetParams,
  initPropNet,
  propNetParameterCount,
  propNetParameterSpecs,
} from '../../src/model/params.js';

const cloth: PropNetConfig = { vertexDim: 14, edgeDim: 14, hidden: 16, propagationSteps: 3 };

test('parameters follow propNetLayers: weight [in, out] then bias [out] per layer', () => {
  const specs = propNetParameterSpecs(cloth);
  const layers = propNetLayers(cloth);
  assert.equal(specs.length, 2 * layers.length);
  layers.forEach((layer, i) => {
    assert.deepEqual(specs[2 * i], { name: `${layer.name}.weight`, shape: [layer.inputs, layer.outputs] });
    assert.deepEqual(specs[2 * i + 1], { name: `${layer.name}.bias`, shape: [layer.outputs] });
  });
  // 14->16->16->16 twice, 48->16, 32->16, 16->16->16->3, with biases.
  const expected =
    2 * (14 * 16 + 16 + 2 * (16 * 16 + 16)) +
    (48 * 16 + 16) +
    (32 * 16 + 16) +
    2 * (16 * 16 + 16) +
    (16 * 3 + 3);
  assert.equal(propNetParameterCount(cloth), expected);
});

test('initPropNet draws like torch.nn.Linear: uniform in +-1/sqrt(fan_in), deterministic per seed', () => {
  const a = initPropNet(cloth, 42);
  const b = initPropNet(cloth, 42);
  const c = initPropNet(cloth, 43);
  checkPropNetParams(a, cloth);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0].data, c[0].data);
  for (const layer of propNetLayers(cloth)) {
    const bound = 1 / Math.sqrt(layer.inputs);
    for (const suffix of ['weight', 'bias']) {
      const data = a.find((p) => p.name === `${layer.name}.${suffix}`)!.data;
      let lo = Infinity;
      let hi = -Infinity;
      let sumSq = 0;
      for (const x of data) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
        sumSq += x * x;
      }
      assert.ok(lo >= -bound && hi <= bound, `${layer.name}.${suffix} outside +-${bound}`);
      if (data.length >= 200) {
        // U(-b, b) has variance b^2 / 3; with >= 200 samples the estimate is within 25 %.
        const variance = sumSq / data.length;
        assert.ok(
          Math.abs(variance / ((bound * bound) / 3) - 1) < 0.25,
          `${layer.name}.${suffix} variance ${variance}`,
        );
      }
    }
  }
});

test('bad configs and parameter lists are rejected, naming the field or parameter', () => {
  assert.throws(
    () => initPropNet({ ...cloth, hidden: 0 }, 1),
    /PropNetConfig\.hidden = 0: expected an integer >= 1/,
  );
  assert.throws(() => initPropNet({ ...cloth, propagationSteps: 1.5 }, 1), /propagationSteps = 1.5/);
  const params = initPropNet(cloth, 1);
  const renamed = params.map((p, i) => (i === 3 ? { ...p, name: 'oops' } : p));
  assert.throws(
    () => checkPropNetParams(renamed, cloth),
    /parameter 3 is 'oops', expected 'particleEncoder\.1\.bias'/,
  );
  const nonFinite = params.map((p, i) =>
    i === 5 ? { ...p, data: p.data.map((x, k) => (k === 2 ? Number.NaN : x)) } : p,
  );
  assert.throws(() => checkPropNetParams(nonFinite, cloth), /particleEncoder\.2\.bias\[2\] = NaN/);
  const short = params.map((p, i) => (i === 0 ? { ...p, data: p.data.subarray(1) } : p));
  assert.throws(
    () => checkPropNetParams(short, cloth),
    /particleEncoder\.0\.weight must hold a Float32Array of 224/,
  );
});
