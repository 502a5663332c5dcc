// Entry point for tests: runs the CLI from its TypeScript sources in a child process.
import { main } from '../src/main.js';

process.exitCode = await main(process.argv);
