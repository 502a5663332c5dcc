// Load on the gateway: the real gateway process (services/gateway/src/main.ts, started from GSDYN_* variables as
// in production) on loopback, with a real redis-server and an fs store in a temporary directory, driven by
// autocannon from this process. Scenarios:
//   1. status polling with an API key: GET /v1/jobs/:id (rotating over the jobs) and GET /v1/jobs, while pipeline
//      jobs wait in Redis (added through POST /v1/pipelines; no worker runs, so they stay waiting);
//   2. concurrent uploads: a fixed count of POST /v1/captures of the tiny simulated episode the gateway tests
//      upload (a count, not a duration: autocannon drops the requests in flight when a duration ends); every one
//      must answer 201 and be in the store afterwards.
// Memory is the gateway process's own (the load generator and redis-server are other processes): RSS from
// /proc/<pid>/status, sampled every 100 ms, with the kernel's high-water mark (VmHWM); heap used from the gateway's
// /metrics, sampled every second. The three processes share the machine's cores.
// Shorter runs: GSDYN_BENCH_DURATION_S (seconds per polling scenario, default 10), GSDYN_BENCH_UPLOADS (default
// 240), GSDYN_BENCH_POLL_CONNECTIONS (50), GSDYN_BENCH_UPLOAD_CONNECTIONS (8), GSDYN_BENCH_JOBS (pipelines waiting,
// default 20). The process exits 1 when any answer was not 2xx (201 for uploads) or an upload is missing.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSample, freePort, parsePrometheusText, startLocalRedis } from '@gsdyn/platform';
import autocannon from 'autocannon';
import { multipartBody, packTar } from '../test/helpers/archives.js';
import { tinyEpisodeEntries } from '../test/helpers/tiny-episode.js';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name}: expected a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

const DURATION_S = envInt('GSDYN_BENCH_DURATION_S', 10);
const POLL_CONNECTIONS = envInt('GSDYN_BENCH_POLL_CONNECTIONS', 50);
const UPLOAD_CONNECTIONS = envInt('GSDYN_BENCH_UPLOAD_CONNECTIONS', 8);
const JOBS = envInt('GSDYN_BENCH_JOBS', 20);
const UPLOADS = envInt('GSDYN_BENCH_UPLOADS', 240);
const KEY = 'bench-bootstrap-key-0123456789abcdef';
const root = new URL('../../..', import.meta.url).pathname;

const MiB = 1024 * 1024;
const mib = (bytes: number | undefined) => (bytes === undefined ? '?' : (bytes / MiB).toFixed(1));

/** VmRSS and VmHWM (peak) of a process, in bytes; undefined off Linux. */
async function procMemory(pid: number): Promise<{ rss: number; hwm: number } | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

interface Gateway {
  url: string;
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

async function startGatewayProcess(env: Record<string, string>, port: number): Promise<Gateway> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(root, 'services/gateway/src/main.ts')],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the gateway did not become ready within 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) console.error(`the gateway exited with ${code}: ${stderr}`);
    },
  };
}

async function heapUsed(url: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return findSample(parsePrometheusText(text), 'gsdyn_nodejs_heap_size_used_bytes');
}

interface MemoryReport {
  rssBefore: number | undefined;
  rssAfter: number | undefined;
  rssPeakSampled: number;
  hwm: number | undefined;
  heapBefore: number | undefined;
  heapAfter: number | undefined;
  heapPeakSampled: number;
}

interface ScenarioResult {
  result: autocannon.Result;
  /** From the start to the last answer. */
  seconds: number;
  memory: MemoryReport;
}

/** Runs one autocannon scenario while sampling the gateway's memory. */
async function scenario(gateway: Gateway, options: autocannon.Options): Promise<ScenarioResult> {
  const before = await procMemory(gateway.pid);
  const heapBefore = await heapUsed(gateway.url);
  let rssPeak = before?.rss ?? 0;
  let heapPeak = heapBefore ?? 0;
  const rssTimer = setInterval(() => {
    void procMemory(gateway.pid).then((m) => {
      if (m) rssPeak = Math.max(rssPeak, m.rss);
    });
  }, 100);
  const heapTimer = setInterval(() => {
    void heapUsed(gateway.url)
      .then((h) => {
        if (h !== undefined) heapPeak = Math.max(heapPeak, h);
      })
      .catch(() => undefined);
  }, 1000);
  let result: autocannon.Result;
  // autocannon notices the end only at its next one-second tick; the rate is taken over the time to the last answer.
  const started = performance.now();
  let lastAnswer = started;
  try {
    result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(options, (error: Error | null, done: autocannon.Result) =>
        error ? reject(error) : resolve(done),
      );
      instance.on('response', () => {
        lastAnswer = performance.now();
      });
    });
  } finally {
    clearInterval(rssTimer);
    clearInterval(heapTimer);
  }
  const after = await procMemory(gateway.pid);
  const heapAfter = await heapUsed(gateway.url);
  return {
    result,
    seconds: (lastAnswer - started) / 1000,
    memory: {
      rssBefore: before?.rss,
      rssAfter: after?.rss,
      rssPeakSampled: Math.max(rssPeak, after?.rss ?? 0),
      hwm: after?.hwm,
      heapBefore,
      heapAfter,
      heapPeakSampled: Math.max(heapPeak, heapAfter ?? 0),
    },
  };
}

function report(label: string, { result, seconds, memory }: ScenarioResult): string[] {
  const codes = Object.entries(result.statusCodeStats ?? {})
    .map(([code, { count }]) => `${code}: ${count ?? 0}`)
    .join(', ');
  console.log(
    `${label.padEnd(34)} ${(result.requests.total / seconds).toFixed(0).padStart(6)} req/s  ` +
      `p50 ${String(result.latency.p50).padStart(4)} ms  p99 ${String(result.latency.p99).padStart(4)} ms  ` +
      `(${result.requests.total} requests in ${seconds.toFixed(1)} s; ${codes}; ` +
      `non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`,
  );
  console.log(
    `${''.padEnd(34)} gateway RSS ${mib(memory.rssBefore)} -> ${mib(memory.rssAfter)} MiB ` +
      `(peak sampled ${mib(memory.rssPeakSampled)}, VmHWM ${mib(memory.hwm)}); ` +
      `heap used ${mib(memory.heapBefore)} -> ${mib(memory.heapAfter)} MiB (peak sampled ${mib(memory.heapPeakSampled)})`,
  );
  const problems: string[] = [];
  if (result.non2xx > 0 || result.errors > 0)
    problems.push(`${label}: ${result.non2xx} non-2xx answers, ${result.errors} errors (${codes})`);
  return problems;
}

console.log(
  `gateway load: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}; ` +
    `gateway, redis-server and autocannon share them; polling ${DURATION_S} s per scenario, ${UPLOADS} uploads; ` +
    'req/s = answered requests / seconds to the last answer',
);
const work = await mkdtemp(join(tmpdir(), 'gsdyn-gateway-bench-'));
const redis = await startLocalRedis();
const port = await freePort();
const storeDir = join(work, 'store');
let gateway: Gateway | undefined;
const problems: string[] = [];
try {
  await mkdir(join(work, 'staging'));
  gateway = await startGatewayProcess(
    {
      GSDYN_REDIS_URL: redis.url,
      GSDYN_STORE: 'fs',
      GSDYN_STORE_DIR: storeDir,
      GSDYN_GATEWAY_HOST: '127.0.0.1',
      GSDYN_GATEWAY_PORT: String(port),
      GSDYN_BOOTSTRAP_API_KEY: KEY,
      // Request logs at info would measure pino writing to a pipe as much as the gateway.
      GSDYN_LOG_LEVEL: 'warn',
      // Upload staging (os.tmpdir() in the gateway) inside the work directory.
      TMPDIR: join(work, 'staging'),
    },
    port,
  );
  const tarball = await packTar(await tinyEpisodeEntries(work));
  const { payload, headers } = multipartBody({ field: 'file', filename: 'capture.tar', data: tarball });
  const auth = { 'x-api-key': KEY };
  const uploadOnce = async () => {
    const res = await fetch(`${gateway!.url}/v1/captures`, {
      method: 'POST',
      headers: { ...headers, ...auth },
      body: payload,
    });
    if (res.status !== 201) throw new Error(`setup upload: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { captureId: string }).captureId;
  };

  // Jobs to poll: one capture, JOBS pipelines on it, waiting in Redis.
  const captureId = await uploadOnce();
  const jobIds: string[] = [];
  for (let i = 0; i < JOBS; i++) {
    const res = await fetch(`${gateway.url}/v1/pipelines`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ captureIds: [captureId] }),
    });
    if (res.status !== 201) throw new Error(`setup pipeline: ${res.status} ${await res.text()}`);
    jobIds.push(((await res.json()) as { jobId: string }).jobId);
  }
  const listed = (await (await fetch(`${gateway.url}/v1/jobs`, { headers: auth })).json()) as {
    jobs: { state: string }[];
  };
  console.log(
    `setup: tiny episode tar ${(tarball.length / 1024).toFixed(0)} KiB (multipart body ${(payload.length / 1024).toFixed(0)} KiB); ` +
      `${jobIds.length} pipelines, GET /v1/jobs lists ${listed.jobs.length} (${[...new Set(listed.jobs.map((j) => j.state))].join(', ')})`,
  );
  const idle = await procMemory(gateway.pid);
  console.log(`gateway process ${gateway.pid} after start-up and setup: RSS ${mib(idle?.rss)} MiB\n`);

  let next = 0;
  problems.push(
    ...report(
      `GET /v1/jobs/:id, ${POLL_CONNECTIONS} conn`,
      await scenario(gateway, {
        url: gateway.url,
        connections: POLL_CONNECTIONS,
        duration: DURATION_S,
        headers: auth,
        requests: [{ setupRequest: (r) => ({ ...r, path: `/v1/jobs/${jobIds[next++ % jobIds.length]}` }) }],
      }),
    ),
  );
  problems.push(
    ...report(
      `GET /v1/jobs (${listed.jobs.length} jobs), ${POLL_CONNECTIONS} conn`,
      await scenario(gateway, {
        url: `${gateway.url}/v1/jobs`,
        connections: POLL_CONNECTIONS,
        duration: DURATION_S,
        headers: auth,
      }),
    ),
  );

  const capturesDir = join(storeDir, 'owners', 'admin', 'captures');
  const storedBefore = (await readdir(capturesDir)).length;
  const uploads = await scenario(gateway, {
    url: `${gateway.url}/v1/captures`,
    method: 'POST',
    connections: UPLOAD_CONNECTIONS,
    amount: UPLOADS,
    // Each upload is extracted, validated and stored; allow for a slow moment on a shared machine.
    timeout: 30,
    headers: { ...headers, ...auth },
    body: payload,
  });
  problems.push(...report(`POST /v1/captures x${UPLOADS}, ${UPLOAD_CONNECTIONS} conn`, uploads));
  const created = uploads.result.statusCodeStats?.['201']?.count ?? 0;
  const stored = (await readdir(capturesDir)).length - storedBefore;
  // tsx keeps its cache in the same temporary directory; the gateway's own entries are gsdyn-upload-*.
  const staged = (await readdir(join(work, 'staging'))).filter((n) => n.startsWith('gsdyn-upload-'));
  console.log(
    `${''.padEnd(34)} ${created} answered 201, ${stored} captures stored; ${staged.length} upload staging directories left`,
  );
  if (created !== UPLOADS) problems.push(`uploads: ${created} of ${UPLOADS} answered 201`);
  if (stored !== created)
    problems.push(`uploads: ${created} answered 201 but ${stored} captures are in the store`);
  if (staged.length > 0) problems.push(`uploads: the staging directory holds ${staged.join(', ')}`);
} finally {
  await gateway?.stop();
  await redis.stop();
  await rm(work, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
