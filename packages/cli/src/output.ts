/**
 * How commands report. Every command that produces results takes `--json`: then exactly one JSON object goes to
 * stdout and all human text to stderr, so `gsdyn x --json | jq` always works. Without it, the human summary goes to
 * stdout. Progress always goes to stderr.
 */
export class Reporter {
  constructor(readonly json: boolean) {}

  /** A line of the human summary. */
  say(line = ''): void {
    (this.json ? process.stderr : process.stdout).write(`${line}\n`);
  }

  /** Diagnostics that are never part of the result (warnings, notes). */
  note(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  /** The command's result; printed only under --json. */
  result(value: unknown): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value)}\n`);
  }
}

/** A failure the user caused (bad arguments, bad input): reported without a stack trace, exit code 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}
