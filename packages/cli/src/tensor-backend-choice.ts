import {
  createReferenceBackend,
  createWasmBackend,
  type TensorBackend,
  wasmBackendUnavailableReason,
} from '@gsdyn/dynamics';
import { UsageError } from './output.js';

export const TENSOR_BACKENDS = ['wasm', 'reference'] as const;
export type BackendName = (typeof TENSOR_BACKENDS)[number];

/** The autodiff kernels a command asked for; dispose() when done (the wasm backend owns worker threads). */
export function chooseTensorBackend(
  name: BackendName,
  threads?: number,
): { backend: TensorBackend; dispose: () => void } {
  if (name === 'reference') return { backend: createReferenceBackend(), dispose: () => {} };
  const reason = wasmBackendUnavailableReason();
  if (reason !== undefined)
    throw new UsageError(
      `the wasm autodiff backend is unavailable (${reason}); run \`npm run build\` or pass --backend reference`,
    );
  const backend = createWasmBackend({ threads });
  return { backend, dispose: () => backend.dispose() };
}
