import { MAXIMUM_PAGES, PAGE_BYTES } from './layout.js';
import type { WasmMemory } from './webassembly.js';

/** Allocation granule: whole cache lines, so that no two arrays share one (threads write different arrays). */
const ALIGN = 64;
const LIMIT = MAXIMUM_PAGES * PAGE_BYTES;

/**
 * Tensor storage inside the shared kernel memory. A bump allocator with exact-size free lists: a training step
 * allocates the same sizes in the same order every time, so released arrays are reused within a step, and once
 * every array is released (the tape's reset) the heap starts again from its base, which keeps it from
 * fragmenting over thousands of steps. The memory grows on demand and never shrinks; views stay valid when it
 * grows because a shared memory's buffer is never detached.
 */
export class SharedHeap {
  private top: number;
  /** Live arrays by byte address: identity checks catch double and foreign releases. */
  private readonly live = new Map<number, Float32Array | Int32Array>();
  private readonly sizes = new Map<number, number>();
  private readonly free = new Map<number, number[]>();
  private liveBytes = 0;

  constructor(
    private readonly memory: WasmMemory,
    private readonly base: number,
  ) {
    this.top = base;
  }

  f32(length: number): Float32Array {
    const address = this.allocate(length * 4);
    const view = new Float32Array(this.memory.buffer, address, length);
    this.live.set(address, view);
    return view;
  }

  i32(length: number): Int32Array {
    const address = this.allocate(length * 4);
    const view = new Int32Array(this.memory.buffer, address, length);
    this.live.set(address, view);
    return view;
  }

  /** The byte address of a live array from this heap, or undefined for any other array. */
  addressOf(view: Float32Array | Int32Array): number | undefined {
    return this.live.get(view.byteOffset) === view ? view.byteOffset : undefined;
  }

  release(view: Float32Array | Int32Array): void {
    const address = view.byteOffset;
    if (this.live.get(address) !== view)
      throw new Error('autodiff wasm heap: release of an array that is not live in this heap');
    this.live.delete(address);
    const bytes = this.sizes.get(address)!;
    this.liveBytes -= bytes;
    if (this.live.size === 0) {
      this.top = this.base;
      this.free.clear();
      this.sizes.clear();
      return;
    }
    const list = this.free.get(bytes);
    if (list) list.push(address);
    else this.free.set(bytes, [address]);
  }

  stats(): { liveBytes: number; heapBytes: number } {
    return { liveBytes: this.liveBytes, heapBytes: this.memory.buffer.byteLength - this.base };
  }

  private allocate(requested: number): number {
    if (!Number.isInteger(requested) || requested < 0)
      throw new RangeError(`autodiff wasm heap: cannot allocate ${requested} bytes`);
    const bytes = Math.max(ALIGN, Math.ceil(requested / ALIGN) * ALIGN);
    this.liveBytes += bytes;
    const reused = this.free.get(bytes)?.pop();
    if (reused !== undefined) return reused;
    const address = this.top;
    if (address + bytes > LIMIT) {
      this.liveBytes -= bytes;
      throw new RangeError(
        `autodiff wasm heap: ${bytes} more bytes do not fit in a wasm32 memory (${this.liveBytes} bytes live of ${LIMIT})`,
      );
    }
    this.top = address + bytes;
    this.sizes.set(address, bytes);
    this.grow(this.top);
    return address;
  }

  /** Grows the memory to at least `end` bytes, by a quarter at least so that a growing step grows rarely. */
  private grow(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const want = Math.min(LIMIT, Math.max(end, have + (have >> 2)));
    const pages = Math.ceil((want - have) / PAGE_BYTES);
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new RangeError(
        `autodiff wasm heap: cannot grow the shared memory by ${pages} pages to ${want} bytes: ${e instanceof Error ? e.message : e}`,
      );
    }
  }
}
