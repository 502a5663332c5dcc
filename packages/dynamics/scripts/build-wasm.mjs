#!/usr/bin/env node
// Compiles the AssemblyScript autodiff kernels (assembly/*.ts) to build/autodiff.wasm: SIMD, shared memory
// imported from env.memory (the TypeScript side creates it and hands it to every worker), no runtime, no abort
// import. A no-op when the output is newer than every source and this script, so it can run before every test.
// Usage: node packages/dynamics/scripts/build-wasm.mjs [--force]
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(root, 'assembly');
const buildDir = join(root, 'build');
const output = join(buildDir, 'autodiff.wasm');
const force = process.argv.includes('--force');

/** Pages of 64 KiB: tensors live in the imported memory, grown on demand up to 4 GiB. */
const INITIAL_PAGES = 32;
const MAXIMUM_PAGES = 65536;

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

const sources = readdirSync(sourceDir)
  .filter((n) => n.endsWith('.ts'))
  .map((n) => join(sourceDir, n));
const newestInput = Math.max(mtime(fileURLToPath(import.meta.url)), ...sources.map(mtime));
const relOutput = output.slice(root.length);
if (!force && mtime(output) > newestInput) {
  console.log(`build-wasm: ${relOutput} is up to date`);
  process.exit(0);
}

const started = performance.now();
const asc = await import('assemblyscript/asc');
mkdirSync(buildDir, { recursive: true });
// Written under a temporary name and renamed, so that a failed build never leaves a half-written module.
const temporary = `${output}.${process.pid}.tmp`;
const { error, stderr } = await asc.main([
  join(sourceDir, 'autodiff.ts'),
  '--outFile',
  temporary,
  '-O3',
  '--noAssert',
  '--runtime',
  'stub',
  '--use',
  'abort=',
  '--enable',
  'simd',
  '--enable',
  'threads',
  '--importMemory',
  '--sharedMemory',
  '--initialMemory',
  String(INITIAL_PAGES),
  '--maximumMemory',
  String(MAXIMUM_PAGES),
]);
if (error) {
  rmSync(temporary, { force: true });
  console.error(`build-wasm: asc failed on ${sourceDir}:\n${stderr.toString()}`);
  process.exit(1);
}
renameSync(temporary, output);
console.log(
  `build-wasm: compiled ${sources.length} sources to ${relOutput} (${statSync(output).size} bytes) in ${Math.round(performance.now() - started)} ms`,
);
