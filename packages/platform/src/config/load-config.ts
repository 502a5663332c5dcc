import {
  CONFIG,
  CONFIG_VARIABLES,
  type ConfigVariable,
  type Device,
  type LogLevel,
} from './config-variables.js';

export interface FsStoreConfig {
  kind: 'fs';
  /** Absolute path of the store's root directory. */
  dir: string;
}

export interface S3StoreConfig {
  kind: 's3';
  /** `http(s)://host[:port]`, no trailing slash. */
  endpoint: string;
  /** Endpoint written into presigned URLs (defaults to `endpoint`). */
  publicEndpoint: string;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

export type StoreConfig = FsStoreConfig | S3StoreConfig;

export interface JobsConfig {
  attempts: number;
  backoffMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/** Limits on one capture upload at the gateway (the gateway's `UploadLimits`). */
export interface UploadLimitsConfig {
  /** Bytes of the uploaded archive itself. */
  maxUploadBytes: number;
  /** Bytes of all extracted files together. */
  maxExtractedBytes: number;
  /** Entries (files and directories) in the archive. */
  maxFiles: number;
  /** Bytes of any one extracted file. */
  maxFileBytes: number;
}

/** What every service reads from its environment (see CONFIG_VARIABLES for the variables). */
export interface PlatformConfig {
  redisUrl: string;
  queuePrefix: string;
  store: StoreConfig;
  gateway: {
    host: string;
    port: number;
    bootstrapApiKey: string | undefined;
    uploadLimits: UploadLimitsConfig;
  };
  worker: { concurrency: number; device: Device };
  jobs: JobsConfig;
  metricsPort: number;
  logLevel: LogLevel;
}

/** Thrown by loadConfig with one line per invalid variable, each naming the variable and the expectation. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i}`).join('\n')}`);
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;

function shown(v: ConfigVariable, raw: string): string {
  return v.secret ? '(a hidden value)' : JSON.stringify(raw);
}

/**
 * Reads and validates the configuration. Unset and empty variables take their default. Every invalid variable is
 * reported at once; secrets are never echoed.
 */
export function loadConfig(env: Environment = process.env): PlatformConfig {
  const issues: string[] = [];
  const read = <T>(v: ConfigVariable<T>): T | undefined => {
    const given = env[v.name];
    const raw = given === undefined || given.trim() === '' ? v.default : given;
    if (raw === undefined) return undefined;
    const parsed = v.schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    issues.push(`${v.name}: expected ${v.expectation}, got ${shown(v, raw)}`);
    return undefined;
  };
  const required = <T>(v: ConfigVariable<T>, why: string): T | undefined => {
    const value = read(v);
    if (value === undefined && !issues.some((i) => i.startsWith(`${v.name}:`)))
      issues.push(`${v.name}: required ${why} (expected ${v.expectation})`);
    return value;
  };

  const redisUrl = read(CONFIG.redisUrl);
  const queuePrefix = read(CONFIG.queuePrefix);
  const storeKind = read(CONFIG.store);
  let store: StoreConfig | undefined;
  if (storeKind === 's3') {
    const why = 'when GSDYN_STORE=s3';
    const endpoint = required(CONFIG.s3Endpoint, why);
    const publicEndpoint = read(CONFIG.s3PublicEndpoint);
    const region = read(CONFIG.s3Region);
    const bucket = read(CONFIG.s3Bucket);
    const accessKey = required(CONFIG.s3AccessKey, why);
    const secretKey = required(CONFIG.s3SecretKey, why);
    if (endpoint && region && bucket && accessKey && secretKey)
      store = {
        kind: 's3',
        endpoint,
        publicEndpoint: publicEndpoint ?? endpoint,
        region,
        bucket,
        accessKey,
        secretKey,
      };
  } else if (storeKind === 'fs') {
    const dir = read(CONFIG.storeDir);
    if (dir) store = { kind: 'fs', dir };
  }
  const gatewayHost = read(CONFIG.gatewayHost);
  const gatewayPort = read(CONFIG.gatewayPort);
  const bootstrapApiKey = read(CONFIG.bootstrapApiKey);
  const maxUploadBytes = read(CONFIG.uploadMaxBytes);
  const maxExtractedBytes = read(CONFIG.uploadMaxExtractedBytes);
  const maxFiles = read(CONFIG.uploadMaxFiles);
  const maxFileBytes = read(CONFIG.uploadMaxFileBytes);
  const concurrency = read(CONFIG.workerConcurrency);
  const device = read(CONFIG.device);
  const metricsPort = read(CONFIG.metricsPort);
  const attempts = read(CONFIG.jobAttempts);
  const backoffMs = read(CONFIG.jobBackoffMs);
  const lockDurationMs = read(CONFIG.jobLockMs);
  const stalledIntervalMs = read(CONFIG.jobStalledIntervalMs);
  const logLevel = read(CONFIG.logLevel);

  if (issues.length > 0) throw new ConfigError(issues);
  // Every value with a default is defined once there are no issues; the assertions only narrow the types.
  return {
    redisUrl: redisUrl!,
    queuePrefix: queuePrefix!,
    store: store!,
    gateway: {
      host: gatewayHost!,
      port: gatewayPort!,
      bootstrapApiKey,
      uploadLimits: {
        maxUploadBytes: maxUploadBytes!,
        maxExtractedBytes: maxExtractedBytes!,
        maxFiles: maxFiles!,
        maxFileBytes: maxFileBytes!,
      },
    },
    worker: { concurrency: concurrency!, device: device! },
    jobs: {
      attempts: attempts!,
      backoffMs: backoffMs!,
      lockDurationMs: lockDurationMs!,
      stalledIntervalMs: stalledIntervalMs!,
    },
    metricsPort: metricsPort!,
    logLevel: logLevel!,
  };
}

/** GSDYN_* variables of the environment that the table does not know (typos, usually). */
export function unknownConfigVariables(env: Environment = process.env): string[] {
  const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
  return Object.keys(env)
    .filter((k) => k.startsWith('GSDYN_') && !known.has(k))
    .sort();
}

const HIDDEN = '[redacted]';

/** A copy that is safe to log: secrets replaced, the Redis password removed from the URL. */
export function redactConfig(config: PlatformConfig): PlatformConfig {
  const url = new URL(config.redisUrl);
  if (url.password) url.password = HIDDEN;
  return {
    ...config,
    redisUrl: url.toString(),
    store:
      config.store.kind === 's3'
        ? { ...config.store, accessKey: HIDDEN, secretKey: HIDDEN }
        : { ...config.store },
    gateway: {
      ...config.gateway,
      uploadLimits: { ...config.gateway.uploadLimits },
      bootstrapApiKey: config.gateway.bootstrapApiKey === undefined ? undefined : HIDDEN,
    },
  };
}
