import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

/**
 * One environment variable of the services. The table below is the single source of the documentation
 * (`configTableMarkdown`) and of the parser (`loadConfig`), so the two cannot drift apart.
 */
export interface ConfigVariable<T = unknown> {
  readonly name: string;
  /** The value used when the variable is unset or empty; undefined: none (optional or required). */
  readonly default: string | undefined;
  readonly description: string;
  /** What a valid value looks like, in words; error messages quote it. */
  readonly expectation: string;
  /** Secrets are never echoed in errors nor logged. */
  readonly secret: boolean;
  readonly schema: z.ZodType<T, string>;
}

function variable<T>(spec: ConfigVariable<T>): ConfigVariable<T> {
  return spec;
}

const integer = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));

const httpUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.pathname === '/' && !u.search;
    } catch {
      return false;
    }
  })
  .transform((s) => s.replace(/\/+$/, ''));

const redisUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
    } catch {
      return false;
    }
  });

const GiB = 1024 ** 3;
/** Upload limits stop at 1 TiB: far beyond a capture, well inside the integers a double holds exactly. */
const MAX_BYTES = 1024 * GiB;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEVICES = ['cpu', 'webgpu'] as const;
export type Device = (typeof DEVICES)[number];
export const STORE_KINDS = ['fs', 's3'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Every variable, by the field of the configuration it feeds. */
export const CONFIG = {
  redisUrl: variable({
    name: 'GSDYN_REDIS_URL',
    default: 'redis://127.0.0.1:6379',
    description:
      'Redis holding the BullMQ queues (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS).',
    expectation: 'a redis:// or rediss:// URL with a host',
    secret: false,
    schema: redisUrl,
  }),
  queuePrefix: variable({
    name: 'GSDYN_QUEUE_PREFIX',
    default: 'gsdyn',
    description:
      'Prefix of every BullMQ key; a stage waits in the Redis list `<prefix>:<stage>:wait` (what KEDA counts).',
    expectation: '1 to 64 letters, digits, "_" or "-"',
    secret: false,
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,64}$/),
  }),
  store: variable({
    name: 'GSDYN_STORE',
    default: 'fs',
    description:
      'Artifact store: `fs` (a local directory, the embedded default) or `s3` (any S3-compatible server).',
    expectation: `one of ${STORE_KINDS.join(', ')}`,
    secret: false,
    schema: z.string().trim().pipe(z.enum(STORE_KINDS)),
  }),
  storeDir: variable({
    name: 'GSDYN_STORE_DIR',
    default: 'gsdyn-artifacts',
    description:
      'Root directory of the `fs` store (relative paths are resolved against the working directory).',
    expectation: 'a directory path',
    secret: false,
    schema: z
      .string()
      .trim()
      .min(1)
      .transform((p) => (isAbsolute(p) ? p : resolve(p))),
  }),
  s3Endpoint: variable({
    name: 'GSDYN_S3_ENDPOINT',
    default: undefined,
    description: 'S3 endpoint the services use, e.g. `http://minio:9000` (required when GSDYN_STORE=s3).',
    expectation: 'an http:// or https:// URL without a path',
    secret: false,
    schema: httpUrl,
  }),
  s3PublicEndpoint: variable({
    name: 'GSDYN_S3_PUBLIC_ENDPOINT',
    default: undefined,
    description:
      'S3 endpoint written into presigned download URLs, when clients reach S3 by another name than the services (default: GSDYN_S3_ENDPOINT).',
    expectation: 'an http:// or https:// URL without a path',
    secret: false,
    schema: httpUrl,
  }),
  s3Region: variable({
    name: 'GSDYN_S3_REGION',
    default: 'us-east-1',
    description: 'S3 region (signatures use it; MinIO accepts the default).',
    expectation: 'a region name such as us-east-1',
    secret: false,
    schema: z
      .string()
      .trim()
      .regex(/^[a-z0-9-]{1,64}$/),
  }),
  s3Bucket: variable({
    name: 'GSDYN_S3_BUCKET',
    default: 'gsdyn',
    description: 'Bucket holding every artifact; created at start-up when missing.',
    expectation: 'a bucket name: 3 to 63 lower-case letters, digits, "." or "-"',
    secret: false,
    schema: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/),
  }),
  s3AccessKey: variable({
    name: 'GSDYN_S3_ACCESS_KEY',
    default: undefined,
    description: 'S3 access key id (required when GSDYN_STORE=s3; never logged).',
    expectation: 'a non-empty string',
    secret: true,
    schema: z.string().min(1),
  }),
  s3SecretKey: variable({
    name: 'GSDYN_S3_SECRET_KEY',
    default: undefined,
    description: 'S3 secret key (required when GSDYN_STORE=s3; never logged).',
    expectation: 'a non-empty string',
    secret: true,
    schema: z.string().min(1),
  }),
  gatewayHost: variable({
    name: 'GSDYN_GATEWAY_HOST',
    default: '0.0.0.0',
    description: 'Address the gateway listens on.',
    expectation: 'a host name or IP address',
    secret: false,
    schema: z.string().trim().min(1),
  }),
  gatewayPort: variable({
    name: 'GSDYN_GATEWAY_PORT',
    default: '8080',
    description: 'TCP port of the gateway (0: any free port).',
    expectation: 'an integer from 0 to 65535',
    secret: false,
    schema: integer(0, 65535),
  }),
  bootstrapApiKey: variable({
    name: 'GSDYN_BOOTSTRAP_API_KEY',
    default: undefined,
    description: 'When set, the gateway creates this API key at start-up (stored hashed; never logged).',
    expectation: 'at least 16 characters without spaces',
    secret: true,
    schema: z.string().regex(/^\S{16,}$/),
  }),
  uploadMaxBytes: variable({
    name: 'GSDYN_UPLOAD_MAX_BYTES',
    default: String(4 * GiB),
    description:
      'Largest capture archive the gateway accepts, in bytes (larger uploads: 413). Default 4 GiB.',
    expectation: `an integer number of bytes from 1 to ${MAX_BYTES}`,
    secret: false,
    schema: integer(1, MAX_BYTES),
  }),
  uploadMaxExtractedBytes: variable({
    name: 'GSDYN_UPLOAD_MAX_EXTRACTED_BYTES',
    default: String(8 * GiB),
    description:
      'Bytes all files of one capture archive may expand to together (what a zip or gzip bomb would blow up). Default 8 GiB.',
    expectation: `an integer number of bytes from 1 to ${MAX_BYTES}`,
    secret: false,
    schema: integer(1, MAX_BYTES),
  }),
  uploadMaxFiles: variable({
    name: 'GSDYN_UPLOAD_MAX_FILES',
    default: '200000',
    description: 'Entries (files and directories) one capture archive may hold.',
    expectation: 'an integer from 1 to 100000000',
    secret: false,
    schema: integer(1, 100_000_000),
  }),
  uploadMaxFileBytes: variable({
    name: 'GSDYN_UPLOAD_MAX_FILE_BYTES',
    default: String(1 * GiB),
    description: 'Bytes any one file of a capture archive may expand to. Default 1 GiB.',
    expectation: `an integer number of bytes from 1 to ${MAX_BYTES}`,
    secret: false,
    schema: integer(1, MAX_BYTES),
  }),
  workerConcurrency: variable({
    name: 'GSDYN_WORKER_CONCURRENCY',
    default: '1',
    description: 'Jobs a worker process runs at once.',
    expectation: 'an integer from 1 to 256',
    secret: false,
    schema: integer(1, 256),
  }),
  device: variable({
    name: 'GSDYN_DEVICE',
    default: 'cpu',
    description: 'Where the workers compute: `cpu` or `webgpu`.',
    expectation: `one of ${DEVICES.join(', ')}`,
    secret: false,
    schema: z.string().trim().pipe(z.enum(DEVICES)),
  }),
  metricsPort: variable({
    name: 'GSDYN_METRICS_PORT',
    default: '9464',
    description: "Port of a worker's telemetry server: `/metrics`, `/healthz`, `/readyz` (0: any free port).",
    expectation: 'an integer from 0 to 65535',
    secret: false,
    schema: integer(0, 65535),
  }),
  jobAttempts: variable({
    name: 'GSDYN_JOB_ATTEMPTS',
    default: '3',
    description: 'Attempts per job before it fails (bad input fails at once).',
    expectation: 'an integer from 1 to 100',
    secret: false,
    schema: integer(1, 100),
  }),
  jobBackoffMs: variable({
    name: 'GSDYN_JOB_BACKOFF_MS',
    default: '5000',
    description: 'Delay before the first retry; it doubles at every further attempt.',
    expectation: 'an integer from 0 to 86400000',
    secret: false,
    schema: integer(0, 86_400_000),
  }),
  jobLockMs: variable({
    name: 'GSDYN_JOB_LOCK_MS',
    default: '30000',
    description:
      'Lock duration of every worker: a job whose worker died is taken up again after about this plus the stalled interval.',
    expectation: 'an integer from 500 to 3600000',
    secret: false,
    schema: integer(500, 3_600_000),
  }),
  jobStalledIntervalMs: variable({
    name: 'GSDYN_JOB_STALLED_INTERVAL_MS',
    default: '30000',
    description: 'How often every worker looks for jobs whose worker died (the same value for all workers).',
    expectation: 'an integer from 500 to 3600000',
    secret: false,
    schema: integer(500, 3_600_000),
  }),
  logLevel: variable({
    name: 'GSDYN_LOG_LEVEL',
    default: 'info',
    description: `Log level: ${LOG_LEVELS.join(', ')}. Logs are JSON lines on stdout.`,
    expectation: `one of ${LOG_LEVELS.join(', ')}`,
    secret: false,
    schema: z.string().trim().pipe(z.enum(LOG_LEVELS)),
  }),
} as const;

/** The documented table of every variable, in a stable order (generate README tables from it). */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = Object.values(CONFIG);

/** A Markdown table of the variables: name, default, description. */
export function configTableMarkdown(): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const rows = CONFIG_VARIABLES.map(
    (v) =>
      `| \`${v.name}\` | ${v.default === undefined ? '' : `\`${cell(v.default)}\``} | ${cell(v.description)} |`,
  );
  return ['| Variable | Default | Description |', '| --- | --- | --- |', ...rows].join('\n');
}
