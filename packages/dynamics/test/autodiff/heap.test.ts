// The tensor heap in the shared kernel memory: exact-size reuse within a step, a fresh start once everything is
// released, growth of the memory, and rejection of double or foreign releases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedHeap } from '../../src/autodiff/wasm/heap.js';
import { PAGE_BYTES } from '../../src/autodiff/wasm/layout.js';
import { wasmApi } from '../../src/autodiff/wasm/webassembly.js';

function heap(): { heap: SharedHeap; memory: { buffer: ArrayBufferLike } } {
  const memory = new wasmApi.Memory({ initial: 1, maximum: 1024, shared: true });
  return { heap: new SharedHeap(memory, 1024), memory };
}

test('released arrays of the same size are reused, and a fully released heap starts again at its base', () => {
  const { heap: h } = heap();
  const a = h.f32(10);
  const b = h.f32(100);
  assert.equal(a.byteOffset, 1024);
  assert.equal(b.byteOffset, 1024 + 64, 'sizes round up to 64 bytes');
  h.release(a);
  const c = h.f32(16);
  assert.equal(c.byteOffset, a.byteOffset, 'the same 64-byte slot again');
  const d = h.f32(17);
  assert.ok(d.byteOffset > b.byteOffset, 'a different size takes new space');
  assert.equal(h.addressOf(d), d.byteOffset);
  assert.equal(h.addressOf(new Float32Array(17)), undefined, 'arrays from elsewhere are not in the heap');
  for (const x of [b, c, d]) h.release(x);
  assert.equal(h.stats().liveBytes, 0);
  assert.equal(h.f32(1000).byteOffset, 1024, 'back at the base');
});

test('the memory grows on demand and old views stay valid', () => {
  const { heap: h, memory } = heap();
  const a = h.f32(4);
  a[3] = 42;
  const big = h.f32(PAGE_BYTES); // four pages
  assert.ok(memory.buffer.byteLength >= big.byteOffset + big.byteLength);
  big[big.length - 1] = 1;
  assert.equal(a[3], 42);
});

test('double and foreign releases throw', () => {
  const { heap: h } = heap();
  const a = h.f32(4);
  h.f32(4);
  h.release(a);
  assert.throws(() => h.release(a), /not live/);
  assert.throws(() => h.release(new Float32Array(4)), /not live/);
  assert.throws(() => h.f32(2 ** 31), /do not fit|cannot grow/);
});
