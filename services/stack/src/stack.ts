// The whole distributed system on this machine without Docker: redis-server and an S3 endpoint on loopback, the
// gateway (in this process) and one tracker and one trainer worker (child processes), all configured through
// the same environment variables as in production.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type LocalRedis, type LocalS3, loadConfig, startLocalRedis, startLocalS3 } from '@gsdyn/platform';

export interface StackOptions {
  /** Base environment (default process.env): GSDYN_GATEWAY_PORT, GSDYN_BOOTSTRAP_API_KEY, GSDYN_LOG_LEVEL... */
  env?: NodeJS.ProcessEnv;
  /** Where the workers' logs go (default: inherited, JSON lines). */
  workerStdio?: 'inherit' | 'ignore';
  /** Say what happens (default: nothing). */
  say?: (line: string) => void;
}

export interface RunningStack {
  /** The gateway's URL, or undefined when the gateway service could not be loaded. */
  gatewayUrl: string | undefined;
  /** Why the gateway is not running, when it is not. */
  gatewayProblem: string | undefined;
  apiKey: string;
  /** The environment every service got (secrets included: do not log it). */
  env: Record<string, string>;
  redis: LocalRedis;
  s3: LocalS3;
  workers: ChildProcess[];
  /** Stops the gateway, the workers (SIGTERM, then SIGKILL after 15 s), Redis and S3 (their data removed). */
  stop(): Promise<void>;
}

interface GatewayModule {
  startGateway(
    config: ReturnType<typeof loadConfig>,
    options?: { handleSignals?: boolean },
  ): Promise<{ url: string; close(): Promise<void> }>;
}

function isGatewayModule(m: unknown): m is GatewayModule {
  return typeof (m as { startGateway?: unknown } | null)?.startGateway === 'function';
}

/** A service entry: its TypeScript source under tsx when this runs from sources, else its build. */
function serviceCommand(name: 'tracker' | 'trainer'): string[] {
  const fromSources = import.meta.url.endsWith('.ts');
  const src = fileURLToPath(new URL(`../../${name}/src/main.ts`, import.meta.url));
  const dist = fileURLToPath(new URL(`../../${name}/dist/main.js`, import.meta.url));
  if (fromSources || !existsSync(dist)) return ['--conditions=source', '--import', 'tsx', src];
  return [dist];
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const base = options.env ?? process.env;
  const say = options.say ?? (() => {});
  const apiKey = base.GSDYN_BOOTSTRAP_API_KEY || `gsdyn-dev-${randomBytes(18).toString('base64url')}`;
  const [redis, s3] = await Promise.all([
    startLocalRedis({ persistence: true }),
    startLocalS3({ bucket: 'gsdyn' }),
  ]);
  say(`redis ${redis.url} (append-only file in ${redis.dir}); S3 ${s3.endpoint} bucket ${s3.bucket}`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  Object.assign(env, {
    GSDYN_REDIS_URL: redis.url,
    GSDYN_STORE: 's3',
    GSDYN_S3_ENDPOINT: s3.endpoint,
    GSDYN_S3_REGION: s3.region,
    GSDYN_S3_BUCKET: s3.bucket,
    GSDYN_S3_ACCESS_KEY: s3.accessKey,
    GSDYN_S3_SECRET_KEY: s3.secretKey,
    GSDYN_GATEWAY_HOST: base.GSDYN_GATEWAY_HOST || '127.0.0.1',
    GSDYN_GATEWAY_PORT: base.GSDYN_GATEWAY_PORT || '8080',
    GSDYN_BOOTSTRAP_API_KEY: apiKey,
    // Each worker's telemetry server on a free port (several would collide on one fixed port).
    GSDYN_METRICS_PORT: '0',
  });
  const workers: ChildProcess[] = [];
  let gateway: { url: string; close(): Promise<void> } | undefined;
  let gatewayProblem: string | undefined;
  const stop = async () => {
    await gateway?.close().catch(() => {});
    await Promise.allSettled(workers.map(stopChild));
    await Promise.allSettled([redis.stop(), s3.stop()]);
  };
  try {
    for (const name of ['tracker', 'trainer'] as const) {
      const child = spawn(process.execPath, serviceCommand(name), {
        env,
        stdio: ['ignore', options.workerStdio ?? 'inherit', options.workerStdio ?? 'inherit'],
        // Their own process group: Ctrl-C reaches only the stack, which then stops them once, in order.
        detached: true,
      });
      child.on('exit', (code, signal) => say(`${name} worker exited (${signal ?? `code ${code}`})`));
      workers.push(child);
    }
    say(`tracker worker pid ${workers[0].pid}, trainer worker pid ${workers[1].pid}`);
    let mod: unknown;
    try {
      mod = await import('../../gateway/src/main.js');
    } catch (error) {
      gatewayProblem = `the gateway service could not be loaded (${(error as Error).message})`;
    }
    if (mod !== undefined && !isGatewayModule(mod))
      gatewayProblem = 'services/gateway/src/main.ts exports no startGateway yet';
    if (isGatewayModule(mod)) gateway = await mod.startGateway(loadConfig(env), { handleSignals: false });
  } catch (error) {
    await stop();
    throw error;
  }
  return { gatewayUrl: gateway?.url, gatewayProblem, apiKey, env, redis, s3, workers, stop };
}
