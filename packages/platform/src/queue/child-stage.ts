import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InvalidInputError } from './unrecoverable.js';

/**
 * Runs a stage's computation in a child process and serves it there.
 *
 * Why a process: the library stages have long synchronous stretches (trackEpisode fits frame 0 in one synchronous
 * loop of `itersFirst` iterations; every later frame and every training step is synchronous too). Run on the
 * worker's own thread they would stop BullMQ from renewing the job lock, and a job whose lock lapses is taken up
 * again by another worker while the first still runs. In a child the worker's event loop stays free: locks are
 * renewed, progress is forwarded, and a cancelled job or a stopping worker kills the child. Worker threads were
 * not used because TypeScript sources (tests, `npm run stack`) only load in a child process under tsx on Node 20.
 *
 * Protocol over the IPC channel: parent -> child `{ type: 'run', input }`; child -> parent any number of
 * `{ type: 'progress', value }` then one `{ type: 'done', output }` or `{ type: 'error', ... }`.
 */

const ChildMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), value: z.unknown() }).strict(),
  z.object({ type: z.literal('done'), output: z.unknown() }).strict(),
  z
    .object({
      type: z.literal('error'),
      name: z.string(),
      message: z.string(),
      /** The input can never succeed (retrying cannot help). */
      badInput: z.boolean(),
    })
    .strict(),
]);
type ChildMessage = z.infer<typeof ChildMessageSchema>;

const RunMessageSchema = z.object({ type: z.literal('run'), input: z.unknown() }).strict();

/** The child failed: its own error (with the child's classification) or its death. */
export class ChildStageError extends Error {
  override name = 'ChildStageError';
}

export interface RunInChildOptions<P> {
  /** Validates what the child reports as progress; invalid progress is ignored (it is informational). */
  progressSchema?: z.ZodType<P>;
  onProgress?: (progress: P) => void;
  /** Kills the child when aborted. */
  signal?: AbortSignal;
  /** Environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** Node options a child needs to load `entry`: TypeScript sources load through tsx with the `source` condition. */
export function childExecArgv(entry: URL): string[] {
  return entry.pathname.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx'] : [];
}

/** The module next to `base` named `name` with the extension `base` has (`.ts` from sources, `.js` when built). */
export function siblingModule(base: string, name: string): URL {
  const ext = base.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}

const liveChildren = new Set<ChildProcess>();
let exitHook = false;

/**
 * Forks `entry`, sends it `input` and resolves with its output validated by `outputSchema`. Rejects with
 * InvalidInputError when the child says the input is bad, with ChildStageError for any other failure (its error,
 * its death, an invalid message).
 */
export function runInChild<O, P = unknown>(
  entry: URL,
  input: unknown,
  outputSchema: z.ZodType<O>,
  options: RunInChildOptions<P> = {},
): Promise<O> {
  if (!exitHook) {
    exitHook = true;
    // A worker that exits (even on an uncaught error) takes its children with it.
    process.once('exit', () => {
      for (const child of liveChildren) child.kill('SIGKILL');
    });
  }
  return new Promise<O>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new ChildStageError(`${entry.pathname}: cancelled before it started`));
      return;
    }
    const child = fork(fileURLToPath(entry), [], {
      execArgv: childExecArgv(entry),
      env: options.env ?? process.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    liveChildren.add(child);
    let settled = false;
    const finish = (error: Error | undefined, output?: O) => {
      if (settled) return;
      settled = true;
      liveChildren.delete(child);
      options.signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (error) reject(error);
      else resolve(output as O);
    };
    const onAbort = () => finish(new ChildStageError(`${entry.pathname}: cancelled`));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => finish(new ChildStageError(`${entry.pathname}: ${error.message}`)));
    child.on('close', (code, signal) =>
      finish(
        new ChildStageError(
          `${entry.pathname}: the stage process exited (${signal ? `signal ${signal}` : `code ${code}`}) before it answered`,
        ),
      ),
    );
    child.on('message', (raw: unknown) => {
      const parsed = ChildMessageSchema.safeParse(raw);
      if (!parsed.success) {
        finish(new ChildStageError(`${entry.pathname}: invalid message from the stage process`));
        return;
      }
      const message: ChildMessage = parsed.data;
      if (message.type === 'progress') {
        if (!options.onProgress) return;
        const value = options.progressSchema ? options.progressSchema.safeParse(message.value) : undefined;
        if (value === undefined) options.onProgress(message.value as P);
        else if (value.success) options.onProgress(value.data);
      } else if (message.type === 'done') {
        const output = outputSchema.safeParse(message.output);
        if (output.success) finish(undefined, output.data);
        else
          finish(
            new ChildStageError(
              `${entry.pathname}: invalid output: ${output.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
            ),
          );
      } else {
        const text = `${message.name}: ${message.message}`;
        finish(message.badInput ? new InvalidInputError(text) : new ChildStageError(text));
      }
    });
    child.send({ type: 'run', input });
  });
}

/**
 * The child side: waits for the run message, validates the input, runs `compute`, sends the output or the error
 * (classified by `isBadInput`) and exits. Exits at once when the parent goes away (the parent was killed).
 */
export function serveChildStage<I, O, P>(
  inputSchema: z.ZodType<I>,
  compute: (input: I, progress: (value: P) => void) => Promise<O>,
  isBadInput: (error: unknown) => boolean,
): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('serveChildStage: this process has no IPC channel (start it with runInChild)');
  process.on('disconnect', () => process.exit(1));
  process.once('message', async (raw: unknown) => {
    let reply: Record<string, unknown>;
    try {
      const run = RunMessageSchema.parse(raw);
      const input = inputSchema.parse(run.input);
      const output = await compute(input, (value) => send({ type: 'progress', value }));
      reply = { type: 'done', output };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      reply = { type: 'error', name: e.name, message: e.message, badInput: isBadInput(error) };
    }
    send(reply, () => process.exit(0));
  });
}
