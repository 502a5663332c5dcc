import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from '../config/config-variables.js';

export type { Logger } from 'pino';

const SECRET_FIELDS = ['secretKey', 'accessKey', 'apiKey', 'bootstrapApiKey', 'password', 'authorization'];

/** Paths pino censors in every log line: secret fields at the top, one and two levels down, and auth headers. */
export const REDACTED_LOG_PATHS: readonly string[] = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
  'req.headers["x-api-key"]',
  'headers["x-api-key"]',
];

/**
 * The structured logger of a service: JSON lines (to stdout unless a destination is given) with the service name,
 * ISO timestamps, and secrets censored.
 */
export function createLogger(
  config: { logLevel: LogLevel },
  name: string,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.logLevel,
    base: { service: name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
