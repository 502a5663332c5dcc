#!/usr/bin/env node
// The `gsdyn` command. Runs the compiled CLI (npm run build); say so plainly when it has not been built.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('gsdyn is not built yet: run `npm run build` in the repository root first.\n');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
