import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createQueueRuntime,
  createStageWorker,
  type LocalRedis,
  type QueueRuntime,
  ShutdownCoordinator,
  startLocalRedis,
} from '../src/index.js';
import { testSettings, waitForFinished } from './helpers/queue-test-kit.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/stage-worker-process.ts', import.meta.url));

interface WorkerChild {
  proc: ChildProcess;
  /** Resolves with the first stdout line that starts with `prefix`. */
  line(prefix: string, timeoutMs?: number): Promise<string>;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

function startWorkerChild(env: Record<string, string>): WorkerChild {
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', FIXTURE], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (l: string) => void }[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters.filter((w) => l.startsWith(w.prefix))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  });
  const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    proc,
    exited,
    line(prefix, timeoutMs = 30_000) {
      const found = lines.find((l) => l.startsWith(prefix));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "${prefix}" line from the worker child`)),
          timeoutMs,
        );
        waiters.push({
          prefix,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        exited.then(() => reject(new Error(`the worker child exited before printing "${prefix}"`)));
      });
    },
  };
}

const payload = {
  pipelineId: 'p',
  owner: 'lab',
  outputPrefix: 'owners/lab/pipelines/p/track/c',
  captureId: 'c',
  captureKey: 'owners/lab/captures/c',
};

describe('worker processes', () => {
  let redis: LocalRedis;
  const runtimes: QueueRuntime[] = [];
  const children: ChildProcess[] = [];
  before(async () => {
    redis = await startLocalRedis();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const r of runtimes) await r.close();
    await redis.stop();
  });

  test('a job whose worker is SIGKILLed is recovered by another worker within seconds', async () => {
    const settings = testSettings(redis.url);
    const child = startWorkerChild({ REDIS_URL: redis.url, QUEUE_PREFIX: settings.prefix, MODE: 'hang' });
    children.push(child.proc);
    await child.line('ready');
    const rt = createQueueRuntime(settings);
    runtimes.push(rt);
    const job = await rt.addJob('track', payload);
    assert.equal(await child.line('active'), `active ${job.id}`);
    child.proc.kill('SIGKILL');
    await child.exited;
    const killedAt = Date.now();
    // The rescuer is made by the same factory: same lockDuration and stalledInterval (1 s each).
    createStageWorker(rt, 'track', async ({ data }) => ({
      outputPrefix: data.outputPrefix,
      captureId: data.captureId,
      metrics: { rescued: 1 },
    }));
    const done = await waitForFinished(rt.queue('track'), job.id!, 20_000);
    const recoveredMs = Date.now() - killedAt;
    console.log(`job recovered ${recoveredMs} ms after SIGKILL (lock 1 s, stalled interval 1 s)`);
    assert.equal(await done.getState(), 'completed', done.failedReason);
    assert.deepEqual(done.returnvalue.metrics, { rescued: 1 });
    assert.equal(done.attemptsMade, 1);
    assert.ok(recoveredMs < 6000, `recovery took ${recoveredMs} ms`);
  });

  test('SIGTERM lets the active job finish, then closes the worker and exits 0', async () => {
    const settings = testSettings(redis.url);
    const child = startWorkerChild({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: settings.prefix,
      MODE: 'work',
      WORK_MS: '800',
    });
    children.push(child.proc);
    await child.line('ready');
    const rt = createQueueRuntime(settings);
    runtimes.push(rt);
    const job = await rt.addJob('track', payload);
    await child.line('active');
    child.proc.kill('SIGTERM');
    const [code] = await child.exited;
    assert.equal(code, 0);
    await child.line('closed');
    const done = await rt.queue('track').getJob(job.id!);
    assert.equal(await done?.getState(), 'completed');
    assert.deepEqual(done?.returnvalue.metrics, { pid: child.proc.pid });
  });

  test('the shutdown coordinator runs handlers last-first, once, and reports failures in the exit code', async () => {
    const codes: number[] = [];
    const order: string[] = [];
    const coordinator = new ShutdownCoordinator({ signals: [], exit: (c) => codes.push(c) });
    coordinator.add(() => {
      order.push('queues');
    });
    const removed = coordinator.add(() => {
      order.push('never');
    });
    coordinator.add(async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push('workers');
      throw new Error('close failed');
    });
    removed();
    await coordinator.trigger('test');
    assert.deepEqual(order, ['workers', 'queues']);
    assert.deepEqual(codes, [1]);
    // A second request while (or after) stopping exits at once with 1.
    await coordinator.trigger('again');
    assert.deepEqual(codes, [1, 1]);
    assert.deepEqual(order, ['workers', 'queues']);
  });
});
