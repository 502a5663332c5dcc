import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { test } from 'node:test';
import {
  CONFIG_VARIABLES,
  ConfigError,
  configTableMarkdown,
  loadConfig,
  redactConfig,
  unknownConfigVariables,
} from '../src/index.js';

const S3_ENV = {
  GSDYN_STORE: 's3',
  GSDYN_S3_ENDPOINT: 'http://minio:9000/',
  GSDYN_S3_ACCESS_KEY: 'minio-user',
  GSDYN_S3_SECRET_KEY: 'minio-secret-value',
};

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  return assert.fail(`accepted ${JSON.stringify(env)}`);
}

test('an empty environment gives the documented defaults', () => {
  assert.deepEqual(loadConfig({}), {
    redisUrl: 'redis://127.0.0.1:6379',
    queuePrefix: 'gsdyn',
    store: { kind: 'fs', dir: resolve('gsdyn-artifacts') },
    gateway: {
      host: '0.0.0.0',
      port: 8080,
      bootstrapApiKey: undefined,
      uploadLimits: {
        maxUploadBytes: 4 * 1024 ** 3,
        maxExtractedBytes: 8 * 1024 ** 3,
        maxFiles: 200_000,
        maxFileBytes: 1024 ** 3,
      },
    },
    worker: { concurrency: 1, device: 'cpu' },
    jobs: { attempts: 3, backoffMs: 5000, lockDurationMs: 30000, stalledIntervalMs: 30000 },
    metricsPort: 9464,
    logLevel: 'info',
  });
  // Empty values are unset values (compose files often pass VAR= through).
  assert.deepEqual(loadConfig({ GSDYN_GATEWAY_PORT: '', GSDYN_STORE: ' ' }), loadConfig({}));
});

test('every variable is read: s3, ports, worker and job settings', () => {
  const config = loadConfig({
    ...S3_ENV,
    GSDYN_REDIS_URL: 'redis://:pw@redis:6380/2',
    GSDYN_QUEUE_PREFIX: 'prod_1',
    GSDYN_S3_PUBLIC_ENDPOINT: 'https://s3.example.org',
    GSDYN_S3_REGION: 'eu-west-1',
    GSDYN_S3_BUCKET: 'gsdyn-artifacts',
    GSDYN_GATEWAY_HOST: '127.0.0.1',
    GSDYN_GATEWAY_PORT: '0',
    GSDYN_BOOTSTRAP_API_KEY: 'k'.repeat(32),
    GSDYN_UPLOAD_MAX_BYTES: '1048576',
    GSDYN_UPLOAD_MAX_EXTRACTED_BYTES: '2097152',
    GSDYN_UPLOAD_MAX_FILES: '50',
    GSDYN_UPLOAD_MAX_FILE_BYTES: '65536',
    GSDYN_WORKER_CONCURRENCY: '4',
    GSDYN_DEVICE: 'webgpu',
    GSDYN_METRICS_PORT: '9100',
    GSDYN_JOB_ATTEMPTS: '5',
    GSDYN_JOB_BACKOFF_MS: '0',
    GSDYN_JOB_LOCK_MS: '1000',
    GSDYN_JOB_STALLED_INTERVAL_MS: '2000',
    GSDYN_LOG_LEVEL: 'debug',
  });
  assert.deepEqual(config, {
    redisUrl: 'redis://:pw@redis:6380/2',
    queuePrefix: 'prod_1',
    store: {
      kind: 's3',
      endpoint: 'http://minio:9000',
      publicEndpoint: 'https://s3.example.org',
      region: 'eu-west-1',
      bucket: 'gsdyn-artifacts',
      accessKey: 'minio-user',
      secretKey: 'minio-secret-value',
    },
    gateway: {
      host: '127.0.0.1',
      port: 0,
      bootstrapApiKey: 'k'.repeat(32),
      uploadLimits: {
        maxUploadBytes: 1048576,
        maxExtractedBytes: 2097152,
        maxFiles: 50,
        maxFileBytes: 65536,
      },
    },
    worker: { concurrency: 4, device: 'webgpu' },
    jobs: { attempts: 5, backoffMs: 0, lockDurationMs: 1000, stalledIntervalMs: 2000 },
    metricsPort: 9100,
    logLevel: 'debug',
  });
  const s3 = loadConfig(S3_ENV).store;
  assert.equal(s3.kind === 's3' && s3.publicEndpoint, 'http://minio:9000');
});

test('every invalid variable is reported at once, naming it and the expectation', () => {
  const error = configError({
    GSDYN_GATEWAY_PORT: '80a',
    GSDYN_WORKER_CONCURRENCY: '0',
    GSDYN_DEVICE: 'cuda',
    GSDYN_REDIS_URL: 'http://redis:6379',
    GSDYN_LOG_LEVEL: 'verbose',
    GSDYN_JOB_LOCK_MS: '1.5',
    GSDYN_UPLOAD_MAX_BYTES: '4GiB',
    GSDYN_UPLOAD_MAX_FILES: '0',
  });
  assert.deepEqual(error.issues, [
    'GSDYN_REDIS_URL: expected a redis:// or rediss:// URL with a host, got "http://redis:6379"',
    'GSDYN_GATEWAY_PORT: expected an integer from 0 to 65535, got "80a"',
    'GSDYN_UPLOAD_MAX_BYTES: expected an integer number of bytes from 1 to 1099511627776, got "4GiB"',
    'GSDYN_UPLOAD_MAX_FILES: expected an integer from 1 to 100000000, got "0"',
    'GSDYN_WORKER_CONCURRENCY: expected an integer from 1 to 256, got "0"',
    'GSDYN_DEVICE: expected one of cpu, webgpu, got "cuda"',
    'GSDYN_JOB_LOCK_MS: expected an integer from 500 to 3600000, got "1.5"',
    'GSDYN_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
  ]);
  assert.match(error.message, /^invalid configuration:\n {2}GSDYN_REDIS_URL: /);
});

test('the s3 store needs its endpoint and keys; secrets are never echoed', () => {
  const missing = configError({ GSDYN_STORE: 's3' });
  assert.deepEqual(missing.issues, [
    'GSDYN_S3_ENDPOINT: required when GSDYN_STORE=s3 (expected an http:// or https:// URL without a path)',
    'GSDYN_S3_ACCESS_KEY: required when GSDYN_STORE=s3 (expected a non-empty string)',
    'GSDYN_S3_SECRET_KEY: required when GSDYN_STORE=s3 (expected a non-empty string)',
  ]);
  const bad = configError({
    ...S3_ENV,
    GSDYN_S3_ENDPOINT: 'minio:9000',
    GSDYN_S3_BUCKET: 'Bad_Bucket',
    GSDYN_BOOTSTRAP_API_KEY: 'short secret',
  });
  assert.deepEqual(bad.issues, [
    'GSDYN_S3_ENDPOINT: expected an http:// or https:// URL without a path, got "minio:9000"',
    'GSDYN_S3_BUCKET: expected a bucket name: 3 to 63 lower-case letters, digits, "." or "-", got "Bad_Bucket"',
    'GSDYN_BOOTSTRAP_API_KEY: expected at least 16 characters without spaces, got (a hidden value)',
  ]);
  assert.ok(!bad.message.includes('short secret'));
  assert.equal(
    configError({ GSDYN_STORE: 'gcs' }).issues[0],
    'GSDYN_STORE: expected one of fs, s3, got "gcs"',
  );
});

test('the table documents exactly the variables loadConfig reads, with valid defaults', () => {
  const names = CONFIG_VARIABLES.map((v) => v.name);
  assert.equal(new Set(names).size, names.length);
  for (const v of CONFIG_VARIABLES) {
    assert.match(v.name, /^GSDYN_[A-Z0-9_]+$/);
    assert.ok(v.description.length > 10 && v.expectation.length > 3, v.name);
    if (v.default !== undefined) assert.ok(v.schema.safeParse(v.default).success, `default of ${v.name}`);
  }
  for (const name of [
    'GSDYN_REDIS_URL',
    'GSDYN_STORE',
    'GSDYN_STORE_DIR',
    'GSDYN_S3_ENDPOINT',
    'GSDYN_S3_REGION',
    'GSDYN_S3_BUCKET',
    'GSDYN_S3_ACCESS_KEY',
    'GSDYN_S3_SECRET_KEY',
    'GSDYN_GATEWAY_PORT',
    'GSDYN_BOOTSTRAP_API_KEY',
    'GSDYN_WORKER_CONCURRENCY',
    'GSDYN_DEVICE',
    'GSDYN_LOG_LEVEL',
    'GSDYN_QUEUE_PREFIX',
    'GSDYN_UPLOAD_MAX_BYTES',
    'GSDYN_UPLOAD_MAX_EXTRACTED_BYTES',
    'GSDYN_UPLOAD_MAX_FILES',
    'GSDYN_UPLOAD_MAX_FILE_BYTES',
  ])
    assert.ok(names.includes(name), name);
  assert.deepEqual(
    CONFIG_VARIABLES.filter((v) => v.secret).map((v) => v.name),
    ['GSDYN_S3_ACCESS_KEY', 'GSDYN_S3_SECRET_KEY', 'GSDYN_BOOTSTRAP_API_KEY'],
  );
  // Every variable loadConfig looks at is in the table, and with s3 it looks at all of them but the fs directory.
  const read = new Set<string>();
  const env = new Proxy({ ...S3_ENV } as Record<string, string>, {
    get(target, key) {
      if (typeof key === 'string') read.add(key);
      return target[key as string];
    },
  });
  loadConfig(env);
  assert.deepEqual([...read].sort(), names.filter((n) => n !== 'GSDYN_STORE_DIR').sort());
  const table = configTableMarkdown().split('\n');
  assert.equal(table.length, names.length + 2);
  assert.equal(table[0], '| Variable | Default | Description |');
  assert.ok(
    table.includes(`| \`GSDYN_GATEWAY_PORT\` | \`8080\` | TCP port of the gateway (0: any free port). |`),
  );
});

test('redactConfig hides secrets and the Redis password; unknown GSDYN_ variables are found', () => {
  const config = loadConfig({
    ...S3_ENV,
    GSDYN_REDIS_URL: 'redis://user:pa55@redis:6379',
    GSDYN_BOOTSTRAP_API_KEY: 'b'.repeat(20),
  });
  const safe = JSON.stringify(redactConfig(config));
  for (const secret of ['minio-user', 'minio-secret-value', 'pa55', 'b'.repeat(20)])
    assert.ok(!safe.includes(secret), secret);
  assert.match(safe, /redis:\/\/user:%5Bredacted%5D@redis:6379/);
  assert.equal(config.store.kind === 's3' && config.store.secretKey, 'minio-secret-value');
  assert.deepEqual(unknownConfigVariables({ GSDYN_REDIS_ULR: 'x', GSDYN_DEVICE: 'cpu', HOME: '/root' }), [
    'GSDYN_REDIS_ULR',
  ]);
});

test('the README table is the generated one', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const table = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
  assert.equal(table, configTableMarkdown());
});
