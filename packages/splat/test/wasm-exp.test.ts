import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { DATA_BASE } from '../src/wasm/layout.js';
import { createKernelMemory, instantiateKernels, tileKernelModule } from '../src/wasm/module.js';
import { buildWasm } from './wasm-scene.js';

before(() => buildWasm());

test('the kernels’ polynomial exp is within 2e-7 relative of Math.exp on [-87, 10]', () => {
  const memory = createKernelMemory();
  const kernels = instantiateKernels(tileKernelModule(), memory);
  const n = 40_000;
  const src = new Float32Array(memory.buffer, DATA_BASE, n);
  for (let i = 0; i < n; i++) src[i] = -87 + (97 * i) / (n - 1);
  const dstAt = DATA_BASE + n * 4;
  kernels.expArray(DATA_BASE, dstAt, n);
  const dst = new Float32Array(memory.buffer, dstAt, n);
  let worst = 0;
  let worstAt = 0;
  for (let i = 0; i < n; i++) {
    const want = Math.exp(src[i]);
    const rel = Math.abs(dst[i] - want) / want;
    if (rel > worst) {
      worst = rel;
      worstAt = src[i];
    }
  }
  assert.ok(worst < 2e-7, `worst relative error ${worst} at x = ${worstAt}`);
  // Exactly representable anchors.
  src.set([0, -Math.LN2, Math.log(0.5) * 3, 1]);
  kernels.expArray(DATA_BASE, dstAt, 4);
  assert.equal(dst[0], 1);
});
