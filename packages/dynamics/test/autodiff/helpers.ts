// Shared pieces of the autodiff tests: seeded random data, the backends under test, array comparisons.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Random } from '@gsdyn/geometry';
import type { TensorBackend } from '../../src/autodiff/backend.js';
import { createReferenceBackend } from '../../src/autodiff/reference-backend.js';
import { createWasmBackend, wasmBackendUnavailableReason } from '../../src/autodiff/wasm/wasm-backend.js';

/** Builds build/autodiff.wasm if it is stale (a no-op normally: the test runner builds it first). */
export function buildWasm(): void {
  const script = fileURLToPath(new URL('../../scripts/build-wasm.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-wasm failed:\n${r.stdout}${r.stderr}`);
}

/** The WebAssembly backend, failing loudly (never skipping) when it cannot run here. */
export function wasmBackend(threads: number): TensorBackend {
  buildWasm();
  const why = wasmBackendUnavailableReason();
  if (why) throw new Error(`the WebAssembly backend must be available for these tests: ${why}`);
  return createWasmBackend({ threads });
}

/** Every backend under test: the reference, and the WebAssembly one on one and on two threads. */
export function allBackends(): TensorBackend[] {
  return [createReferenceBackend(), wasmBackend(1), wasmBackend(2)];
}

export function backendLabel(b: TensorBackend): string {
  return `${b.name} x${b.threads}`;
}

export function randomArray(rng: Random, length: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

/** Values in [-hi, -lo] or [lo, hi]: away from 0, where ReLU-like ops have their kink. */
export function awayFromZero(rng: Random, length: number, lo = 0.2, hi = 1): Float32Array {
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) a[i] = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(lo, hi);
  return a;
}

export function randomIndices(rng: Random, length: number, bound: number): Int32Array {
  const a = new Int32Array(length);
  for (let i = 0; i < length; i++) a[i] = rng.int(bound);
  return a;
}

/** Largest |a - b| and where; NaN anywhere counts as infinitely far. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; at: number } {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let diff = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) {
      diff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
      at = i;
    }
  }
  return { diff, at };
}

export function sameBytes(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
