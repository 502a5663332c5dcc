/**
 * The few WebAssembly JS API types the kernels use. The project compiles against ES2023 + @types/node, which do
 * not declare the `WebAssembly` namespace, and a global declaration here could clash with one added elsewhere, so
 * the global is reached through these local types instead.
 */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** Opaque compiled module (structured-cloneable to worker threads). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

export const wasmApi: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
