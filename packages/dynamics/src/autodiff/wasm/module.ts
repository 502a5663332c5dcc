import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONTROL_BASE, CONTROL_LAYOUT_VERSION, INITIAL_PAGES, MAXIMUM_PAGES } from './layout.js';
import { type WasmMemory, type WasmModule, wasmApi } from './webassembly.js';

/** The compiled kernels, built by scripts/build-wasm.mjs; the same relative path from src/ and dist/. */
export const WASM_URL = new URL('../../../build/autodiff.wasm', import.meta.url);

/** The exports of assembly/autodiff.ts. */
export interface AutodiffKernels {
  run(ctl: number, command: number, thread: number): void;
  controlLayoutVersion(): number;
  heapBase(): number;
  gemmScratchBytes(): number;
  gemmTasks(m: number, n: number, splits: number): number;
  gemmReduceTasks(m: number): number;
  rowTasks(rows: number): number;
}

let compiled: WasmModule | undefined;

function why(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Compiles build/autodiff.wasm once per process; throws, naming the file, when it is missing or unusable. */
export function autodiffKernelModule(): WasmModule {
  if (compiled) return compiled;
  const path = fileURLToPath(WASM_URL);
  if (!existsSync(path))
    throw new Error(
      `autodiff wasm: ${path} does not exist; build it with \`node packages/dynamics/scripts/build-wasm.mjs\``,
    );
  let module: WasmModule;
  try {
    module = new wasmApi.Module(readFileSync(path));
  } catch (e) {
    throw new Error(
      `autodiff wasm: ${path} does not compile here (needs WebAssembly SIMD and threads): ${why(e)}`,
    );
  }
  // A throwaway instance checks that the build matches this layout before anyone relies on it.
  const probe = instantiateKernels(module, createKernelMemory());
  if (probe.controlLayoutVersion() !== CONTROL_LAYOUT_VERSION)
    throw new Error(
      `autodiff wasm: ${path} has control layout ${probe.controlLayoutVersion()}, expected ${CONTROL_LAYOUT_VERSION}; rebuild it`,
    );
  if (probe.heapBase() > CONTROL_BASE)
    throw new Error(
      `autodiff wasm: ${path} has ${probe.heapBase()} bytes of static data, more than ${CONTROL_BASE}`,
    );
  compiled = module;
  return module;
}

export function createKernelMemory(): WasmMemory {
  return new wasmApi.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
}

export function instantiateKernels(module: WasmModule, memory: WasmMemory): AutodiffKernels {
  const instance = new wasmApi.Instance(module, { env: { memory } });
  return instance.exports as unknown as AutodiffKernels;
}

/**
 * Why the WebAssembly backend cannot run here (build/autodiff.wasm missing, or no SIMD / threads), or undefined
 * when it can. A failure is not remembered: the module may be built later in the same process.
 */
export function wasmBackendUnavailableReason(): string | undefined {
  try {
    autodiffKernelModule();
    return undefined;
  } catch (e) {
    return why(e);
  }
}

export function wasmBackendAvailable(): boolean {
  return wasmBackendUnavailableReason() === undefined;
}
