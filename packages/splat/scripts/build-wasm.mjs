#!/usr/bin/env node
// Compiles the AssemblyScript kernels (assembly/*.ts) into two modules, both SIMD, no runtime, no abort import:
// - build/tiles.wasm (assembly/tiles.ts): the tile rasteriser, over a shared memory imported from env.memory (the
//   TypeScript side creates it and hands it to every worker);
// - build/ssim.wasm (assembly/ssim.ts): the SSIM loss, with its own non-shared memory, exported and grown by the
//   TypeScript side, run synchronously on the calling thread.
// Each is a no-op when its output is newer than every source and this script, so it can run before every test.
// Usage: node packages/splat/scripts/build-wasm.mjs [--force]
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(root, 'assembly');
const buildDir = join(root, 'build');
const force = process.argv.includes('--force');

/** Pages of 64 KiB: the tile kernels' data lives in the imported memory, grown on demand up to 4 GiB. */
const INITIAL_PAGES = 32;
const MAXIMUM_PAGES = 65536;

const COMMON = ['-O3', '--noAssert', '--runtime', 'stub', '--use', 'abort=', '--enable', 'simd'];
const TARGETS = [
  {
    entry: 'tiles.ts',
    output: 'tiles.wasm',
    flags: [
      '--enable',
      'threads',
      '--importMemory',
      '--sharedMemory',
      '--initialMemory',
      String(INITIAL_PAGES),
      '--maximumMemory',
      String(MAXIMUM_PAGES),
    ],
  },
  // Starts at one page; ssimKernels() grows it to the images it is given.
  { entry: 'ssim.ts', output: 'ssim.wasm', flags: ['--initialMemory', '1'] },
];

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
let asc;
for (const target of TARGETS) {
  const output = join(buildDir, target.output);
  const relOutput = output.slice(root.length);
  if (!force && mtime(output) > newestInput) {
    console.log(`build-wasm: ${relOutput} is up to date`);
    continue;
  }
  const started = performance.now();
  asc ??= await import('assemblyscript/asc');
  mkdirSync(buildDir, { recursive: true });
  // Written under a temporary name and renamed, so that a failed build never leaves a half-written module.
  const temporary = `${output}.${process.pid}.tmp`;
  const { error, stderr } = await asc.main([
    join(sourceDir, target.entry),
    '--outFile',
    temporary,
    ...COMMON,
    ...target.flags,
  ]);
  if (error) {
    rmSync(temporary, { force: true });
    console.error(`build-wasm: asc failed on ${join(sourceDir, target.entry)}:\n${stderr.toString()}`);
    process.exit(1);
  }
  renameSync(temporary, output);
  console.log(
    `build-wasm: compiled ${target.entry} to ${relOutput} (${statSync(output).size} bytes) in ${Math.round(performance.now() - started)} ms`,
  );
}
