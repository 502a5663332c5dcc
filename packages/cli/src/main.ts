import { Command, CommanderError } from 'commander';
import { registerDataset } from './commands/dataset.js';
import { registerDemo } from './commands/demo.js';
import { registerEvalDynamics } from './commands/eval-dynamics.js';
import { registerEvalTracks } from './commands/eval-tracks.js';
import { registerFit } from './commands/fit.js';
import { registerImport } from './commands/import.js';
import { registerRender } from './commands/render.js';
import { registerSim } from './commands/sim.js';
import { registerTrack } from './commands/track.js';
import { registerTrain } from './commands/train.js';
import { registerValidate } from './commands/validate.js';
import { UsageError } from './output.js';

export function buildProgram(): Command {
  const program = new Command('gsdyn')
    .description(
      'Learn how deformable objects move from multi-view RGB-D videos of a robot pushing them.\n' +
        'Every stage runs locally, in-process, on files (the embedded default).',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false });
  registerDemo(program);
  registerSim(program);
  registerValidate(program);
  registerImport(program);
  registerFit(program);
  registerRender(program);
  registerEvalTracks(program);
  registerTrack(program);
  registerDataset(program);
  registerTrain(program);
  registerEvalDynamics(program);
  return program;
}

/** Runs the CLI and returns the process exit code (0 ok, 1 failure or invalid input, 2 usage). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  for (const cmd of allCommands(program)) cmd.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version arrive here as "errors" with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`gsdyn: ${message}\n`);
    if (!(error instanceof UsageError) && process.env.GSDYN_DEBUG && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ ok: false, error: message })}\n`);
    return 1;
  }
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
