import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type WasmMemory, wasmApi } from './webassembly.js';

/** The compiled SSIM kernel, built by scripts/build-wasm.mjs; the same relative path from src/wasm and dist/wasm. */
export const SSIM_WASM_URL = new URL('../../build/ssim.wasm', import.meta.url);

/** The exports of assembly/ssim.ts (byte addresses into `memory`). */
export interface SsimExports {
  readonly memory: WasmMemory;
  ssim(
    pred: number,
    target: number,
    weights: number,
    grad: number,
    map: number,
    scratch: number,
    channels: number,
    width: number,
    height: number,
    gradScale: number,
  ): number;
  scratchBytes(width: number, height: number): number;
  heapBase(): number;
  windowTap(k: number): number;
}

const PAGE = 65536;

/**
 * The one instance of the SSIM kernel of this thread, with its own (non-shared) memory that `reserve` grows to the
 * largest request seen; it never shrinks (a tracker keeps asking for the same sizes).
 */
export class SsimKernels {
  constructor(readonly exports: SsimExports) {}

  /** First byte callers may use: above the module's static data, 16-byte aligned. */
  get base(): number {
    return (this.exports.heapBase() + 15) & ~15;
  }

  /** Grows the memory to at least `bytes` bytes; returns its (possibly new) buffer. */
  reserve(bytes: number): ArrayBufferLike {
    const memory = this.exports.memory;
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
    return memory.buffer;
  }
}

let kernels: SsimKernels | undefined;
let failure: string | undefined;

function why(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function load(): SsimKernels {
  const path = fileURLToPath(SSIM_WASM_URL);
  if (!existsSync(path))
    throw new Error(
      `splat wasm: ${path} does not exist; build it with \`node packages/splat/scripts/build-wasm.mjs\``,
    );
  let instance: { exports: unknown };
  try {
    instance = new wasmApi.Instance(new wasmApi.Module(readFileSync(path)), {});
  } catch (e) {
    throw new Error(`splat wasm: ${path} does not compile here (needs WebAssembly SIMD): ${why(e)}`);
  }
  return new SsimKernels(instance.exports as SsimExports);
}

/**
 * This thread's SSIM kernel, instantiated on first use; throws, naming the file, when it is missing or unusable.
 * A failure is remembered: the losses ask on every call and must not retry a compilation each time.
 */
export function ssimKernels(): SsimKernels {
  if (kernels) return kernels;
  if (failure !== undefined) throw new Error(failure);
  try {
    kernels = load();
    return kernels;
  } catch (e) {
    failure = why(e);
    throw e;
  }
}

/** Whether the SSIM fast path can run in this process (build/ssim.wasm exists and compiles with SIMD). */
export function ssimWasmAvailable(): boolean {
  if (kernels) return true;
  if (failure !== undefined) return false;
  try {
    ssimKernels();
    return true;
  } catch {
    return false;
  }
}

/** Why ssimWasmAvailable() is false, or undefined. */
export function ssimWasmUnavailableReason(): string | undefined {
  ssimWasmAvailable();
  return failure;
}
