import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONTROL_BASE, CONTROL_LAYOUT_VERSION, INITIAL_PAGES, MAXIMUM_PAGES } from './layout.js';
import { type WasmMemory, type WasmModule, wasmApi } from './webassembly.js';

/** The compiled kernels, built by scripts/build-wasm.mjs; the same relative path from src/wasm and dist/wasm. */
export const WASM_URL = new URL('../../build/tiles.wasm', import.meta.url);

/** The exports of assembly/tiles.ts. */
export interface TileKernels {
  run(ctl: number, command: number, thread: number): void;
  scratchBytes(entries: number, channels: number): number;
  controlLayoutVersion(): number;
  heapBase(): number;
  /** Test hook: exp of `count` floats (a multiple of 4) from `src` to `dst`, byte addresses. */
  expArray(src: number, dst: number, count: number): void;
}

let compiled: WasmModule | undefined;
let unavailable: string | undefined;

function why(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Compiles build/tiles.wasm once per process; throws, naming the file, when it is missing or unusable. */
export function tileKernelModule(): WasmModule {
  if (compiled) return compiled;
  const path = fileURLToPath(WASM_URL);
  if (!existsSync(path))
    throw new Error(
      `splat wasm: ${path} does not exist; build it with \`node packages/splat/scripts/build-wasm.mjs\``,
    );
  let module: WasmModule;
  try {
    module = new wasmApi.Module(readFileSync(path));
  } catch (e) {
    throw new Error(
      `splat wasm: ${path} does not compile here (needs WebAssembly SIMD and threads): ${why(e)}`,
    );
  }
  // A throwaway instance checks that the build matches this layout before anyone relies on it.
  const probe = instantiateKernels(module, createKernelMemory());
  if (probe.controlLayoutVersion() !== CONTROL_LAYOUT_VERSION)
    throw new Error(
      `splat wasm: ${path} has control layout ${probe.controlLayoutVersion()}, expected ${CONTROL_LAYOUT_VERSION}; rebuild it`,
    );
  if (probe.heapBase() > CONTROL_BASE)
    throw new Error(
      `splat wasm: ${path} has ${probe.heapBase()} bytes of static data, more than ${CONTROL_BASE}`,
    );
  compiled = module;
  return module;
}

export function createKernelMemory(): WasmMemory {
  return new wasmApi.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
}

export function instantiateKernels(module: WasmModule, memory: WasmMemory): TileKernels {
  const instance = new wasmApi.Instance(module, { env: { memory } });
  return instance.exports as unknown as TileKernels;
}

/**
 * Whether build/tiles.wasm exists and compiles and runs here (WebAssembly SIMD, shared memory, threads). A
 * failure is not remembered: the module may be built later in the same process.
 */
export function wasmAvailable(): boolean {
  if (compiled) return true;
  try {
    tileKernelModule();
    return true;
  } catch (e) {
    unavailable = why(e);
    return false;
  }
}

/** Why wasmAvailable() is false, or undefined. */
export function wasmUnavailableReason(): string | undefined {
  wasmAvailable();
  return unavailable;
}
