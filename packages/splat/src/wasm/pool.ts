import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { COMMAND, CONTROL_BASE, SYNC, SYNC_BASE } from './layout.js';
import type { TileKernels } from './module.js';
import type { WasmMemory, WasmModule } from './webassembly.js';

/** The worker entry, plain JavaScript; the same relative path from src/wasm and dist/wasm. */
const WORKER_URL = new URL('../../worker/tile-worker.mjs', import.meta.url);

/** How long the main thread waits for workers to start, or to finish one command, before giving up. */
const START_TIMEOUT_MS = 30_000;
const RUN_TIMEOUT_MS = 600_000;

/**
 * Worker threads that run kernel commands together with the main thread, over one shared memory, synchronously.
 * Protocol (all in shared Int32 words, no messages on the hot path): the main thread writes the command, zeroes
 * `done`, bumps `generation` and notifies; each worker wakes, runs the kernel with its thread index, increments
 * `done` and notifies; the main thread runs the same kernel as thread 0, then blocks in Atomics.wait until
 * `done` equals the worker count. The kernels take tiles from an atomic counter, so a slow worker only does fewer
 * tiles. Workers are unref'd: an undisposed pool does not keep the process alive.
 */
export class KernelPool {
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly words: Int32Array;
  private started = false;
  private disposed = false;

  constructor(
    module: WasmModule,
    memory: WasmMemory,
    private readonly kernels: TileKernels,
    readonly workerCount: number,
  ) {
    this.words = new Int32Array(memory.buffer, SYNC_BASE, SYNC.words);
    for (let i = 1; i <= workerCount; i++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_URL, {
        // The worker is plain JavaScript: no TypeScript loader (and its start-up time) needed.
        execArgv: [],
        workerData: {
          module,
          memory,
          syncBase: SYNC_BASE,
          sync: SYNC,
          controlBase: CONTROL_BASE,
          thread: i,
          exitCommand: COMMAND.exit,
          port: port2,
        },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  /** Threads taking part in each command, the main thread included. */
  get threadCount(): number {
    return this.workerCount + 1;
  }

  /**
   * Runs `command` on every thread and returns when all are done; throws what a failed worker reported.
   * `meanwhile` runs on this thread after the workers have started and before this thread joins them: the kernels
   * take tiles from a shared counter, so the workers do the tiles it has no time for, and a core that would
   * otherwise wait for the main thread's serial work does the command. If it throws, this thread leaves the tiles to
   * the workers, waits for them (they read the shared memory the next call reuses), then rethrows.
   */
  run(command: number, meanwhile?: () => void): void {
    if (this.disposed) throw new Error('splat wasm: the rasteriser was disposed');
    this.awaitStarted();
    const w = this.words;
    Atomics.store(w, SYNC.done, 0);
    Atomics.store(w, SYNC.command, command);
    Atomics.add(w, SYNC.generation, 1);
    Atomics.notify(w, SYNC.generation);
    let mainError: unknown;
    try {
      meanwhile?.();
      this.kernels.run(CONTROL_BASE, command, 0);
    } catch (e) {
      mainError = e;
    }
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    for (let done = Atomics.load(w, SYNC.done); done < this.workerCount; done = Atomics.load(w, SYNC.done)) {
      if (Date.now() > deadline)
        throw new Error(`splat wasm: workers did not finish command ${command} in time`);
      Atomics.wait(w, SYNC.done, done, 1000);
    }
    if (mainError !== undefined) throw mainError;
    this.throwIfFailed();
  }

  private awaitStarted(): void {
    if (this.started) return;
    const w = this.words;
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (
      let ready = Atomics.load(w, SYNC.ready);
      ready < this.workerCount;
      ready = Atomics.load(w, SYNC.ready)
    ) {
      this.throwIfFailed();
      if (Date.now() > deadline)
        throw new Error(`splat wasm: only ${ready} of ${this.workerCount} tile workers started`);
      Atomics.wait(w, SYNC.ready, ready, 100);
    }
    this.throwIfFailed();
    this.started = true;
  }

  private throwIfFailed(): void {
    if (Atomics.load(this.words, SYNC.failed) === 0) return;
    const messages: string[] = [];
    for (const port of this.ports) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port))
        messages.push(String(m.message));
    }
    Atomics.store(this.words, SYNC.failed, 0);
    throw new Error(`splat wasm: ${messages.join('\n') || 'a tile worker failed'}`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.words, SYNC.command, COMMAND.exit);
    Atomics.add(this.words, SYNC.generation, 1);
    Atomics.notify(this.words, SYNC.generation);
    for (const worker of this.workers) void worker.terminate();
    for (const port of this.ports) port.close();
  }
}
