import { UnrecoverableError } from 'bullmq';
import { type ZodError, type ZodType, z } from 'zod';

/**
 * Input that can never succeed (a malformed capture, options out of range): a job failing with it is not retried.
 * Stage code throws it, or a ZodError; the stage worker turns both into BullMQ's UnrecoverableError.
 */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

/** One line per issue: `<what>.<field path>: <message>`. */
export function describeZodError(error: ZodError, what: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      return `${what}${path}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates job input; bad input fails the job at once (UnrecoverableError) with the fields named. */
export function parseJobInput<S extends ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new UnrecoverableError(describeZodError(parsed.error, what));
}

/** The default test for "retrying cannot help": zod failures, InvalidInputError, UnrecoverableError. */
export function isInvalidInput(error: unknown): boolean {
  return (
    error instanceof z.ZodError || error instanceof InvalidInputError || error instanceof UnrecoverableError
  );
}

/**
 * Returns the error BullMQ should see: an UnrecoverableError (no retry) for bad input as judged by `isBadInput`,
 * the error itself otherwise.
 */
export function toUnrecoverable(
  error: unknown,
  isBadInput: (e: unknown) => boolean = isInvalidInput,
): unknown {
  if (error instanceof UnrecoverableError || !isBadInput(error)) return error;
  const message =
    error instanceof z.ZodError
      ? describeZodError(error, 'input')
      : error instanceof Error
        ? `${error.name}: ${error.message}`
        : String(error);
  const unrecoverable = new UnrecoverableError(message);
  if (error instanceof Error) unrecoverable.cause = error;
  return unrecoverable;
}
