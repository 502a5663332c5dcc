import {
  createWasmTileRasterizer,
  referenceTileRasterizer,
  type TileRasterizer,
  wasmAvailable,
} from '@gsdyn/splat';
import { Option } from 'commander';
import { intIn } from './options.js';
import { UsageError } from './output.js';

export type Backend = 'wasm' | 'reference';

export const backendOption = () =>
  new Option(
    '--backend <name>',
    'rasteriser: wasm (WebAssembly SIMD over worker threads) or reference (plain TypeScript)',
  )
    .choices(['wasm', 'reference'])
    .default('wasm');
export const threadsOption = () =>
  new Option('--threads <n>', 'worker threads of the wasm rasteriser (default: every core)').argParser(
    intIn(1, 256),
  );

/** The tile rasteriser a command asked for; dispose() it when done (it owns worker threads). */
export function chooseRasterizer(backend: Backend, threads?: number): TileRasterizer {
  if (backend === 'reference') return referenceTileRasterizer;
  if (!wasmAvailable())
    throw new UsageError(
      'the wasm rasteriser is not built (run `npm run build`), or pass --backend reference',
    );
  return createWasmTileRasterizer({ threads });
}
