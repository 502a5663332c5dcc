/** One thing wrong with a request: the file (for uploads) or field it concerns, and what was expected. */
export interface Problem {
  file?: string;
  field?: string;
  message: string;
}

/**
 * An error the gateway answers with its own status and a JSON body `{ error, message, problems? }`.
 * Anything else becomes a 500 (or 503 when Redis or the store is unreachable) without internals in the body.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly problems?: readonly Problem[],
  ) {
    super(message);
  }
}

export const badRequest = (message: string, problems?: readonly Problem[]) =>
  new HttpError(400, 'bad_request', message, problems);

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);

export const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message);

export const payloadTooLarge = (message: string) => new HttpError(413, 'payload_too_large', message);

/** Upload content we refuse (unsafe or malformed archives, invalid episodes): 400 with the problems. */
export const unprocessable = (message: string, problems?: readonly Problem[]) =>
  new HttpError(400, 'invalid_capture', message, problems);
