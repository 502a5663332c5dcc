// An onnxruntime worker thread: owns one single-threaded InferenceSession and runs it on the named tensors each
// message carries (protocol: src/onnx/runner-pool.ts). Plain JavaScript so that it runs unchanged under the
// TypeScript sources (tests) and the compiled dist/.
//   workerData { modelBytes: Uint8Array, sessionOptions, closing: Int32Array over a SharedArrayBuffer }
//   in:  { kind: 'run', id, feeds: { [name]: { type, data, dims } } } | { kind: 'close' }
//   out: { kind: 'ready', inputs: [{ name, shape }] } | { kind: 'failed', message }   once, after loading
//        { kind: 'result', id, outputs: { [name]: { data, dims } } } | { kind: 'error', id, message }
// The thread ends itself on 'close' rather than being terminated: terminating a thread while onnxruntime is inside
// a run aborts the whole process (the native binding throws during the teardown).
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';

const port = parentPort;
const closing = workerData.closing;
const message = (error) => (error instanceof Error ? error.message : String(error));

let session;
try {
  session = await InferenceSession.create(workerData.modelBytes, workerData.sessionOptions);
  port.postMessage({
    kind: 'ready',
    inputs: session.inputNames.map((name, i) => ({ name, shape: session.inputMetadata[i]?.shape ?? [] })),
  });
} catch (error) {
  port.postMessage({ kind: 'failed', message: message(error) });
}

if (session) {
  port.on('message', async (request) => {
    if (request.kind === 'close') {
      await session.release();
      port.close();
      return;
    }
    // Runs queued before a close are skipped: the pool has already rejected them.
    if (Atomics.load(closing, 0) !== 0) return;
    const { id, feeds } = request;
    try {
      const tensors = {};
      for (const [name, t] of Object.entries(feeds)) tensors[name] = new Tensor(t.type, t.data, t.dims);
      const results = await session.run(tensors);
      const outputs = {};
      const transfer = [];
      for (const [name, tensor] of Object.entries(results)) {
        // A copy owns its buffer, so it can be transferred; the tensor's own may belong to onnxruntime.
        const data = tensor.data.slice();
        outputs[name] = { data, dims: [...tensor.dims] };
        transfer.push(data.buffer);
      }
      port.postMessage({ kind: 'result', id, outputs }, transfer);
    } catch (error) {
      port.postMessage({ kind: 'error', id, message: message(error) });
    }
  });
}
