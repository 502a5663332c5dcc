import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import {
  blockingConnection,
  createQueueRuntime,
  createStageWorker,
  InvalidInputError,
  type LocalRedis,
  type QueueRuntime,
  type StageProgress,
  startLocalRedis,
  waitListKey,
  workerOptions,
} from '../src/index.js';
import { testSettings, waitForFinished } from './helpers/queue-test-kit.js';

const trackPayload = (captureId: string) => ({
  pipelineId: 'p1',
  owner: 'lab',
  outputPrefix: `owners/lab/pipelines/p1/track/${captureId}`,
  captureId,
  captureKey: `owners/lab/captures/${captureId}`,
});

describe('queues on a real redis-server', () => {
  let redis: LocalRedis;
  const runtimes: QueueRuntime[] = [];
  const runtime = (overrides = {}) => {
    const r = createQueueRuntime(testSettings(redis.url, overrides));
    runtimes.push(r);
    return r;
  };

  before(async () => {
    redis = await startLocalRedis();
  });
  after(async () => {
    for (const r of runtimes) await r.close();
    await redis.stop();
  });

  test('every worker gets the shared lock settings and a blocking-safe connection', () => {
    const settings = testSettings('redis://127.0.0.1:1', { lockDurationMs: 1234, stalledIntervalMs: 4321 });
    for (const concurrency of [1, 4]) {
      const o = workerOptions(settings, concurrency);
      assert.equal(o.lockDuration, 1234);
      assert.equal(o.stalledInterval, 4321);
      assert.equal(o.maxStalledCount, settings.maxStalledCount);
      assert.equal(o.concurrency, concurrency);
      assert.equal(o.prefix, settings.prefix);
      assert.deepEqual(o.connection, { url: 'redis://127.0.0.1:1', maxRetriesPerRequest: null });
    }
    assert.deepEqual(blockingConnection(settings), {
      url: 'redis://127.0.0.1:1',
      maxRetriesPerRequest: null,
    });
    assert.throws(() => workerOptions(settings, 0), RangeError);
  });

  test('a waiting job sits in the Redis list <prefix>:<stage>:wait that KEDA counts', async () => {
    const rt = runtime();
    await rt.addJob('track', trackPayload('waiting'));
    const client = new Redis(redis.url);
    try {
      const key = waitListKey(rt.settings.prefix, 'track');
      assert.equal(await client.type(key), 'list');
      assert.equal(await client.llen(key), 1);
    } finally {
      client.disconnect();
    }
    await rt.queue('track').obliterate({ force: true });
  });

  test('a stage job runs, reports progress, and returns its validated result', async () => {
    const rt = runtime();
    const events = rt.queueEvents('track');
    await events.waitUntilReady();
    const seen: StageProgress[] = [];
    events.on('progress', ({ data }) => seen.push(data as StageProgress));
    createStageWorker(
      rt,
      'track',
      async (ctx) => {
        await ctx.progress(0.25, 'frame 0');
        await ctx.progress(0.3, 'dropped: closer than the interval');
        await new Promise((r) => setTimeout(r, 60));
        await ctx.progress(0.75, 'frame 1', { loss: 0.5 });
        await ctx.progress(1);
        return { outputPrefix: ctx.data.outputPrefix, captureId: ctx.data.captureId, metrics: { frames: 2 } };
      },
      { progressIntervalMs: 50 },
    );
    const job = await rt.addJob('track', trackPayload('cap-1'));
    const result = await job.waitUntilFinished(events, 15_000);
    assert.deepEqual(result, {
      outputPrefix: 'owners/lab/pipelines/p1/track/cap-1',
      captureId: 'cap-1',
      metrics: { frames: 2 },
    });
    // The payload was stored with its defaults filled in.
    assert.deepEqual((await rt.queue('track').getJob(job.id!))?.data.options, {});
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(seen, [
      { fraction: 0.25, phase: 'frame 0' },
      { fraction: 0.75, phase: 'frame 1', metrics: { loss: 0.5 } },
      { fraction: 1 },
    ]);
  });

  test('a failing job is retried with exponential backoff, then fails', async () => {
    const rt = runtime({ attempts: 3, backoffMs: 150 });
    const starts: number[] = [];
    createStageWorker(rt, 'track', async () => {
      starts.push(Date.now());
      throw new Error('the GPU went away');
    });
    const job = await rt.addJob('track', trackPayload('cap-2'));
    const done = await waitForFinished(rt.queue('track'), job.id!);
    assert.equal(await done.getState(), 'failed');
    assert.equal(done.attemptsMade, 3);
    assert.equal(done.failedReason, 'the GPU went away');
    assert.equal(starts.length, 3);
    // Exponential: 150 ms, then 300 ms.
    assert.ok(starts[1] - starts[0] >= 150, `first retry after ${starts[1] - starts[0]} ms`);
    assert.ok(starts[2] - starts[1] >= 300, `second retry after ${starts[2] - starts[1]} ms`);
  });

  test('bad input fails at once, without retries, with the fields named', async () => {
    const rt = runtime({ attempts: 5, backoffMs: 10 });
    const calls = new Map<string, number>();
    createStageWorker(rt, 'track', async (ctx) => {
      const id = ctx.data.captureId;
      calls.set(id, (calls.get(id) ?? 0) + 1);
      if (id === 'bad-file') throw new InvalidInputError('episode.json: cameras[0].K: expected 3x3');
      if (id === 'bad-zod') z.object({ frames: z.number() }).parse({ frames: 'many' });
      if (id === 'custom') throw new RangeError('unsupported image size');
      if (id === 'bad-result') return { outputPrefix: '../escape', captureId: id };
      return { outputPrefix: ctx.data.outputPrefix, captureId: id };
    });
    const queue = rt.queue('track');
    // Bypassing addJob's validation: the worker validates again.
    const raw = await queue.add('track', {
      ...trackPayload('raw'),
      captureKey: undefined,
      options: { iters: 0 },
    });
    const failed = async (job: Job) => {
      const done = await waitForFinished(queue, job.id!);
      assert.equal(await done.getState(), 'failed');
      assert.equal(done.attemptsMade, 1, `${done.id} was retried`);
      return done.failedReason;
    };
    const rawReason = await failed(raw);
    assert.match(rawReason, /payload\.captureKey: /);
    assert.match(rawReason, /payload\.options\.iters: /);
    assert.match(
      await failed(await rt.addJob('track', trackPayload('bad-file'))),
      /cameras\[0\]\.K: expected 3x3/,
    );
    assert.match(await failed(await rt.addJob('track', trackPayload('bad-zod'))), /input\.frames: /);
    assert.match(
      await failed(await rt.addJob('track', trackPayload('bad-result'))),
      /result\.outputPrefix: /,
    );
    assert.equal(calls.get('bad-file'), 1);
    assert.equal(calls.has('raw'), false);
    // Errors outside the bad-input set are retried: RangeError here.
    const custom = await waitForFinished(queue, (await rt.addJob('track', trackPayload('custom'))).id!);
    assert.equal(custom.attemptsMade, 5);
    // addJob refuses a bad payload before it reaches Redis.
    await assert.rejects(
      rt.addJob('track', { ...trackPayload('x'), owner: 'has space' }),
      (e: unknown) => e instanceof InvalidInputError && /owner: expected 1 to 64 letters/.test(e.message),
    );
    assert.equal(await queue.count(), 0);
  });

  test('a custom isBadInput makes library errors unrecoverable', async () => {
    class EpisodeFormatError extends Error {
      override name = 'EpisodeFormatError';
    }
    const rt = runtime({ attempts: 4, backoffMs: 10 });
    createStageWorker(
      rt,
      'track',
      async () => {
        throw new EpisodeFormatError('manifest.json: fps: expected > 0');
      },
      { isBadInput: (e) => e instanceof EpisodeFormatError },
    );
    const done = await waitForFinished(rt.queue('track'), (await rt.addJob('track', trackPayload('c'))).id!);
    assert.equal(done.attemptsMade, 1);
    assert.match(done.failedReason, /EpisodeFormatError: manifest\.json: fps: expected > 0/);
  });
});
