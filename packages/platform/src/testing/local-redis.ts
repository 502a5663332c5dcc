import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface LocalRedisOptions {
  /** Default: a free port. */
  port?: number;
  /** Append-only file with fsync on every write, so that restart() keeps the data (default false: memory only). */
  persistence?: boolean;
  /** Data directory (default: a new temporary directory, removed by stop()). */
  dir?: string;
  /** Default `redis-server` from PATH. */
  executable?: string;
  /** How long to wait for the server to answer PING (default 10 s). */
  startTimeoutMs?: number;
}

export interface LocalRedis {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly dir: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s); removes the temporary data directory it made. */
  stop(): Promise<void>;
  /** Stops and starts the server again on the same port and directory (the data survives with persistence). */
  restart(): Promise<void>;
  /** Stops the server without removing anything, so a test can observe clients reconnecting; start() again. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
}

const HOST = '127.0.0.1';
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test that dies without stopping its server must not leave redis-server processes behind.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, HOST);
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts a real redis-server on loopback for tests and the local stack: `--save ''` and no AOF unless
 * `persistence` is asked for. Call stop() when done (the process is killed at exit otherwise).
 */
export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  installExitHook();
  const executable = options.executable ?? 'redis-server';
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'gsdyn-redis-')));
  // Fixed once the server has run: clients reconnect to that port after a restart or kill and start.
  let fixedPort = options.port !== undefined;
  let port = options.port ?? (await freePort(HOST));
  let child: ChildProcess | undefined;

  const args = (p: number) => [
    '--port',
    String(p),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    options.persistence ? 'yes' : 'no',
    ...(options.persistence ? ['--appendfsync', 'always'] : []),
    '--dir',
    dir,
    '--loglevel',
    'warning',
  ];

  const startOnce = async (p: number): Promise<boolean> => {
    const proc = spawn(executable, args(p), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout?.on('data', (d) => {
      output += d;
    });
    proc.stderr?.on('data', (d) => {
      output += d;
    });
    const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      const failed = await Promise.race([spawnError, new Promise((r) => setTimeout(() => r(undefined), 25))]);
      if (failed instanceof Error) throw new Error(`${executable}: could not start (${failed.message})`);
      if (proc.exitCode !== null) {
        if (/address already in use/i.test(output)) return false;
        throw new Error(`${executable} exited with code ${proc.exitCode}: ${output.trim()}`);
      }
      if (await ping(p)) {
        child = proc;
        return true;
      }
    }
    proc.kill('SIGKILL');
    throw new Error(
      `${executable} did not answer PING on ${HOST}:${p} within the start timeout: ${output.trim()}`,
    );
  };

  const start = async () => {
    for (let attempt = 0; ; attempt++) {
      if (await startOnce(port)) {
        fixedPort = true;
        return;
      }
      // The port was taken between freePort and the start: try another one, unless the caller fixed it.
      if (fixedPort || attempt >= 4) throw new Error(`${HOST}:${port} is already in use`);
      port = await freePort(HOST);
    }
  };

  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const proc = child;
    child = undefined;
    if (!proc) return;
    const exited = waitForExit(proc);
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    host: HOST,
    get port() {
      return port;
    },
    get url() {
      return `redis://${HOST}:${port}`;
    },
    dir,
    start,
    kill,
    async restart() {
      await kill('SIGTERM');
      await start();
    },
    async stop() {
      await kill('SIGTERM');
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
