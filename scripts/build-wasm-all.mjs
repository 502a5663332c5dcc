#!/usr/bin/env node
// Builds every package's WebAssembly kernels (packages/*/scripts/build-wasm.mjs). Each build is a no-op when its
// output is newer than its sources, so tests and benchmarks run this first.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
for (const pkg of readdirSync(join(root, 'packages')).sort()) {
  const script = join(root, 'packages', pkg, 'scripts', 'build-wasm.mjs');
  if (!existsSync(script)) continue;
  const built = spawnSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
