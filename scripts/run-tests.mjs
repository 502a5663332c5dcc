#!/usr/bin/env node
// Runs every test file under packages/*/test, services/*/test and deploy/test with node:test.
// Node 20's runner neither expands globs nor fails when it finds no files, so we list them here and
// refuse to pass on an empty list. Tests run from TypeScript sources: the `source` export condition makes
// @gsdyn/* imports resolve to src/*.ts, and tsx transpiles them.
// Usage: npm test [-- <substring filter>...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

// Tests of the WebAssembly fast paths need the compiled kernels; the build is a no-op when they are up to date.
{
  const built = spawnSync(process.execPath, [join(root, 'scripts/build-wasm-all.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = [];
for (const group of ['packages', 'services']) {
  const base = join(root, group);
  let pkgs = [];
  try {
    pkgs = readdirSync(base);
  } catch {
    continue;
  }
  for (const pkg of pkgs) walk(join(base, pkg, 'test'), files);
}
// The deployment manifests are checked offline by tests of their own.
walk(join(root, 'deploy', 'test'), files);
const selected = files.sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (selected.length === 0) {
  console.error(`no test files found${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}
console.error(`running ${selected.length} test files on ${availableParallelism()} cores`);
const result = spawnSync(
  process.execPath,
  [
    '--conditions=source',
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${Math.max(2, availableParallelism())}`,
    ...selected.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
