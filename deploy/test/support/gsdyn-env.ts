// The services' configuration variables as the deployment files must provide them. This mirrors the table of
// @gsdyn/platform (packages/platform/src/config/config-variables.ts): names, which are secrets, and what a valid
// value looks like. The deployment tests use it to catch misspelt variables, secrets placed in a ConfigMap and
// values the services would refuse at start-up.

export interface GsdynVariable {
  readonly name: string;
  readonly secret: boolean;
  readonly expectation: string;
  readonly valid: (value: string) => boolean;
}

const isInteger = (min: number, max: number) => (v: string) =>
  /^\d+$/.test(v.trim()) && Number(v) >= min && Number(v) <= max;

function isUrl(protocols: readonly string[], pathless: boolean) {
  return (v: string) => {
    try {
      const u = new URL(v.trim());
      return (
        protocols.includes(u.protocol) &&
        u.hostname !== '' &&
        (!pathless || (u.pathname === '/' && !u.search))
      );
    } catch {
      return false;
    }
  };
}

const oneOf = (values: readonly string[]) => (v: string) => values.includes(v.trim());

const entries: readonly GsdynVariable[] = [
  {
    name: 'GSDYN_REDIS_URL',
    secret: false,
    expectation: 'a redis:// or rediss:// URL with a host',
    valid: isUrl(['redis:', 'rediss:'], false),
  },
  {
    name: 'GSDYN_QUEUE_PREFIX',
    secret: false,
    expectation: '1 to 64 letters, digits, "_" or "-"',
    valid: (v) => /^[A-Za-z0-9_-]{1,64}$/.test(v),
  },
  { name: 'GSDYN_STORE', secret: false, expectation: 'fs or s3', valid: oneOf(['fs', 's3']) },
  { name: 'GSDYN_STORE_DIR', secret: false, expectation: 'a directory path', valid: (v) => v.trim() !== '' },
  {
    name: 'GSDYN_S3_ENDPOINT',
    secret: false,
    expectation: 'an http(s) URL without a path',
    valid: isUrl(['http:', 'https:'], true),
  },
  {
    name: 'GSDYN_S3_PUBLIC_ENDPOINT',
    secret: false,
    expectation: 'an http(s) URL without a path',
    valid: isUrl(['http:', 'https:'], true),
  },
  {
    name: 'GSDYN_S3_REGION',
    secret: false,
    expectation: 'a region name',
    valid: (v) => /^[a-z0-9-]{1,64}$/.test(v),
  },
  {
    name: 'GSDYN_S3_BUCKET',
    secret: false,
    expectation: 'a bucket name',
    valid: (v) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v),
  },
  {
    name: 'GSDYN_S3_ACCESS_KEY',
    secret: true,
    expectation: 'a non-empty string',
    valid: (v) => v.length > 0,
  },
  {
    name: 'GSDYN_S3_SECRET_KEY',
    secret: true,
    expectation: 'a non-empty string',
    valid: (v) => v.length > 0,
  },
  {
    name: 'GSDYN_GATEWAY_HOST',
    secret: false,
    expectation: 'a host or address',
    valid: (v) => v.trim() !== '',
  },
  { name: 'GSDYN_GATEWAY_PORT', secret: false, expectation: 'a port 0..65535', valid: isInteger(0, 65535) },
  {
    name: 'GSDYN_BOOTSTRAP_API_KEY',
    secret: true,
    expectation: 'at least 16 characters without spaces',
    valid: (v) => /^\S{16,}$/.test(v),
  },
  {
    name: 'GSDYN_WORKER_CONCURRENCY',
    secret: false,
    expectation: 'an integer 1..256',
    valid: isInteger(1, 256),
  },
  { name: 'GSDYN_DEVICE', secret: false, expectation: 'cpu or webgpu', valid: oneOf(['cpu', 'webgpu']) },
  { name: 'GSDYN_METRICS_PORT', secret: false, expectation: 'a port 0..65535', valid: isInteger(0, 65535) },
  { name: 'GSDYN_JOB_ATTEMPTS', secret: false, expectation: 'an integer 1..100', valid: isInteger(1, 100) },
  {
    name: 'GSDYN_JOB_BACKOFF_MS',
    secret: false,
    expectation: 'milliseconds',
    valid: isInteger(0, 86_400_000),
  },
  { name: 'GSDYN_JOB_LOCK_MS', secret: false, expectation: 'milliseconds', valid: isInteger(500, 3_600_000) },
  {
    name: 'GSDYN_JOB_STALLED_INTERVAL_MS',
    secret: false,
    expectation: 'milliseconds',
    valid: isInteger(500, 3_600_000),
  },
  {
    name: 'GSDYN_LOG_LEVEL',
    secret: false,
    expectation: 'fatal, error, warn, info, debug, trace or silent',
    valid: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  },
];

export const GSDYN_VARIABLES: ReadonlyMap<string, GsdynVariable> = new Map(entries.map((v) => [v.name, v]));

/** What a distributed deployment must set: the defaults of these are for the embedded, single-machine mode. */
export const DISTRIBUTED_REQUIRED = [
  'GSDYN_REDIS_URL',
  'GSDYN_QUEUE_PREFIX',
  'GSDYN_STORE',
  'GSDYN_S3_ENDPOINT',
  'GSDYN_S3_BUCKET',
  'GSDYN_S3_ACCESS_KEY',
  'GSDYN_S3_SECRET_KEY',
] as const;

/** Problems with one service's environment (`where` names it in the messages); empty when it is usable. */
export function gsdynEnvProblems(env: Readonly<Record<string, string>>, where: string): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('GSDYN_')) continue;
    const known = GSDYN_VARIABLES.get(name);
    if (!known) problems.push(`${where}: ${name} is not a gsdyn configuration variable`);
    else if (!known.valid(value))
      problems.push(`${where}: ${name}=${JSON.stringify(value)}: expected ${known.expectation}`);
  }
  for (const name of DISTRIBUTED_REQUIRED) {
    if (env[name] === undefined) problems.push(`${where}: ${name} is not set`);
  }
  if (env.GSDYN_STORE !== undefined && env.GSDYN_STORE !== 's3') {
    problems.push(
      `${where}: GSDYN_STORE=${env.GSDYN_STORE}: the distributed services share artifacts through s3`,
    );
  }
  return problems;
}
