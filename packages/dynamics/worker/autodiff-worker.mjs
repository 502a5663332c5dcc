// An autodiff kernel worker thread: instantiates the WebAssembly kernels over the memory it shares with the main
// thread, then runs one command per generation the main thread publishes (protocol: src/autodiff/wasm/pool.ts).
// Plain JavaScript so that it runs unchanged under the TypeScript sources (tests) and the compiled dist/.
import { workerData } from 'node:worker_threads';

const { module, memory, syncBase, sync: S, controlBase, thread, exitCommand, port } = workerData;
const words = new Int32Array(memory.buffer, syncBase, S.words);

function fail(error) {
  port.postMessage(
    `autodiff wasm worker ${thread}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  Atomics.store(words, S.failed, thread);
}

let kernels;
try {
  kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch (error) {
  fail(error);
}
// Read before announcing readiness: the main thread publishes no command until every worker is ready.
let generation = Atomics.load(words, S.generation);
Atomics.add(words, S.ready, 1);
Atomics.notify(words, S.ready);

while (kernels) {
  Atomics.wait(words, S.generation, generation);
  generation = Atomics.load(words, S.generation);
  const command = Atomics.load(words, S.command);
  if (command === exitCommand) break;
  try {
    kernels.run(controlBase, command, thread);
  } catch (error) {
    fail(error);
  }
  Atomics.add(words, S.done, 1);
  Atomics.notify(words, S.done);
}
port.close();
