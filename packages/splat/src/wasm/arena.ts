import { DATA_BASE, MAXIMUM_PAGES, PAGE_BYTES } from './layout.js';
import type { WasmMemory } from './webassembly.js';

/**
 * Per-call placement of arrays in the shared kernel memory: a bump allocator from DATA_BASE, reset at every call.
 * Regions are 16-byte aligned and followed by 16 bytes of slack, because the kernels load whole vectors at image
 * row ends (the lanes past the edge are masked, but the load must stay inside the memory). `commit` grows the
 * memory once the call's regions are known; views are taken afterwards, on the grown buffer.
 */
export class SharedArena {
  private top = DATA_BASE;

  constructor(private readonly memory: WasmMemory) {}

  reset(): void {
    this.top = DATA_BASE;
  }

  /** Reserves `bytes` and returns the byte address. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = (at + bytes + 16 + 15) & ~15;
    if (this.top > MAXIMUM_PAGES * PAGE_BYTES)
      throw new RangeError(
        `splat wasm: the call needs more than the ${MAXIMUM_PAGES * PAGE_BYTES} bytes a wasm32 memory can hold`,
      );
    return at;
  }

  /** Grows the memory to hold everything allocated since `reset`. */
  commit(): void {
    const have = this.memory.buffer.byteLength;
    if (this.top <= have) return;
    const pages = Math.ceil((this.top - have) / PAGE_BYTES);
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new RangeError(
        `splat wasm: cannot grow the shared memory by ${pages} pages to ${this.top} bytes: ${e instanceof Error ? e.message : e}`,
      );
    }
  }

  f32(at: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, length);
  }

  u32(at: number, length: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, at, length);
  }

  i32(at: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, at, length);
  }
}
