#!/usr/bin/env node
// Runs the benchmarks (packages/*/bench/*.bench.ts, services/*/bench/*.bench.ts) one after another, never in parallel: benchmarks on a
// shared 2-core machine are only comparable within one run. Usage: npm run bench [-- <substring filter>...]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

{
  const built = spawnSync(process.execPath, [join(root, 'scripts/build-wasm-all.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const files = [];
for (const group of ['packages', 'services']) {
  let pkgs = [];
  try {
    pkgs = readdirSync(join(root, group));
  } catch {
    continue;
  }
  for (const pkg of pkgs) {
    let names = [];
    try {
      names = readdirSync(join(root, group, pkg, 'bench'));
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith('.bench.ts')) files.push(join(root, group, pkg, 'bench', n));
  }
}
// `*.slow.bench.ts` (whole-pipeline runs of many minutes) run only when asked for by name.
const selected = files
  .sort()
  .filter((f) => (filters.length === 0 ? !f.includes('.slow.') : filters.some((s) => f.includes(s))));
if (selected.length === 0) {
  console.error('no benchmarks found');
  process.exit(1);
}
console.log(
  `# gsdyn benchmarks: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}`,
);
let failed = 0;
for (const f of selected) {
  console.log(`\n## ${f.slice(root.length)}`);
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', f], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
