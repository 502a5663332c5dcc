import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./run-cli.ts', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `gsdyn <args>` from sources in a child process (so stdout is the command's alone). */
export function runCli(args: string[]): CliRun {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', entry, ...args], {
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
