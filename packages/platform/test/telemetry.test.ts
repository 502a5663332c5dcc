import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  createLogger,
  createMetrics,
  createQueueRuntime,
  createStageWorker,
  findSample,
  InvalidInputError,
  type LocalRedis,
  parsePrometheusText,
  type QueueRuntime,
  startLocalRedis,
  startTelemetryServer,
  UtilisationTracker,
} from '../src/index.js';
import { testSettings, waitForFinished } from './helpers/queue-test-kit.js';

test('utilisation is the busy fraction of the job slots between samples', () => {
  let now = 0;
  const tracker = new UtilisationTracker(2, () => now);
  const endA = tracker.start(); // t=0
  now = 1;
  const endB = tracker.start();
  now = 2;
  endA();
  endA(); // ending twice counts once
  now = 4;
  // Busy slot-seconds in [0, 4]: A 2 + B 3 = 5, of 2 slots x 4 s.
  assert.equal(tracker.sample(), 5 / 8);
  assert.equal(tracker.activeJobs, 1);
  now = 6;
  assert.equal(tracker.sample(), 2 / 4);
  endB();
  assert.equal(tracker.busySeconds(), 7);
  now = 7;
  assert.equal(tracker.sample(), 0);
  assert.throws(() => new UtilisationTracker(0), RangeError);
});

test('logs are JSON lines with the service name, and secrets are censored', async () => {
  let out = '';
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      out += chunk;
      callback();
    },
  });
  const logger = createLogger({ logLevel: 'info' }, 'tracker', sink);
  logger.debug('not at info level');
  logger.info(
    {
      config: { store: { kind: 's3', accessKey: 'AKIA-SECRET', secretKey: 'very-secret' } },
      apiKey: 'gsk_live_123',
      req: { headers: { authorization: 'Bearer tok', 'x-api-key': 'k-123' } },
    },
    'started',
  );
  await new Promise((r) => setImmediate(r));
  const lines = out.trim().split('\n');
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0]);
  assert.equal(entry.service, 'tracker');
  assert.equal(entry.msg, 'started');
  assert.equal(entry.level, 30);
  assert.match(entry.time, /^\d{4}-\d\d-\d\dT/);
  assert.equal(entry.config.store.kind, 's3');
  for (const secret of ['AKIA-SECRET', 'very-secret', 'gsk_live_123', 'Bearer tok', 'k-123'])
    assert.ok(!out.includes(secret), `${secret} was logged`);
});

test('metrics live in a registry per instance: two in one process do not collide', async () => {
  const a = createMetrics({ processMetrics: true });
  const b = createMetrics({ processMetrics: true, defaultLabels: { service: 'gateway' } });
  a.observeHttpRequest('get', '/v1/jobs/:id', 200, 0.003);
  const stop = b.startHttpTimer('POST', '/v1/captures');
  stop(413);
  const fa = parsePrometheusText(await a.text());
  const fb = parsePrometheusText(await b.text());
  const bucket = (le: string) =>
    findSample(fa, 'gsdyn_http_request_duration_seconds_bucket', {
      method: 'GET',
      route: '/v1/jobs/:id',
      le,
    });
  assert.equal(bucket('0.0025'), 0);
  assert.equal(bucket('0.005'), 1);
  assert.equal(findSample(fa, 'gsdyn_http_request_duration_seconds_count', { status: '200' }), 1);
  assert.equal(findSample(fb, 'gsdyn_http_request_duration_seconds_count', { status: '200' }), undefined);
  assert.equal(
    findSample(fb, 'gsdyn_http_request_duration_seconds_count', {
      method: 'POST',
      status: '413',
      service: 'gateway',
    }),
    1,
  );
  assert.ok((findSample(fa, 'gsdyn_process_resident_memory_bytes') ?? 0) > 0);
});

describe('metrics of a worker on a real redis-server', () => {
  let redis: LocalRedis;
  let rt: QueueRuntime;
  before(async () => {
    redis = await startLocalRedis();
    rt = createQueueRuntime(testSettings(redis.url, { attempts: 1 }));
  });
  after(async () => {
    await rt.close();
    await redis.stop();
  });

  test('the scrape parses and has job durations, queue depths and utilisation after jobs ran', async () => {
    const metrics = createMetrics({ defaultLabels: { service: 'tracker' } });
    metrics.trackQueues(rt.allQueues());
    createStageWorker(
      rt,
      'track',
      async ({ data }) => {
        await new Promise((r) => setTimeout(r, 30));
        if (data.captureId === 'bad') throw new InvalidInputError('no frames');
        return { outputPrefix: data.outputPrefix, captureId: data.captureId };
      },
      { metrics, concurrency: 2 },
    );
    const add = (captureId: string) =>
      rt.addJob('track', {
        pipelineId: 'p',
        owner: 'o',
        outputPrefix: `x/${captureId}`,
        captureId,
        captureKey: `c/${captureId}`,
      });
    const jobs = [await add('good'), await add('bad')];
    for (const j of jobs) await waitForFinished(rt.queue('track'), j.id!);
    // A delayed job shows up in the depth gauge too.
    await rt.queue('train').add('train', {}, { delay: 60_000 });

    let ready = false;
    const server = await startTelemetryServer({ metrics, port: 0, host: '127.0.0.1', ready: () => ready });
    try {
      const res = await fetch(`${server.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const families = parsePrometheusText(await res.text());
      const sample = (name: string, labels: Record<string, string>) => findSample(families, name, labels);
      assert.equal(sample('gsdyn_job_duration_seconds_count', { stage: 'track', outcome: 'completed' }), 1);
      assert.equal(sample('gsdyn_job_duration_seconds_count', { stage: 'track', outcome: 'failed' }), 1);
      const seconds = sample('gsdyn_job_duration_seconds_sum', { stage: 'track', outcome: 'completed' }) ?? 0;
      assert.ok(seconds >= 0.03 && seconds < 5, `job took ${seconds} s`);
      assert.equal(sample('gsdyn_queue_jobs', { queue: 'track', state: 'completed', service: 'tracker' }), 1);
      assert.equal(sample('gsdyn_queue_jobs', { queue: 'track', state: 'failed' }), 1);
      assert.equal(sample('gsdyn_queue_jobs', { queue: 'track', state: 'waiting' }), 0);
      assert.equal(sample('gsdyn_queue_jobs', { queue: 'train', state: 'delayed' }), 1);
      assert.equal(sample('gsdyn_queue_jobs', { queue: 'render', state: 'active' }), 0);
      const utilisation = sample('gsdyn_worker_utilisation', { stage: 'track' }) ?? -1;
      assert.ok(utilisation > 0 && utilisation <= 1, `utilisation ${utilisation}`);
      const busy = sample('gsdyn_worker_busy_seconds_total', { stage: 'track' }) ?? 0;
      assert.ok(busy >= 0.06, `busy ${busy} s`);
      assert.equal(sample('gsdyn_worker_concurrency', { stage: 'track' }), 2);
      assert.equal(sample('gsdyn_worker_active_jobs', { stage: 'track' }), 0);
      assert.equal(families.get('gsdyn_job_duration_seconds')?.type, 'histogram');
      assert.equal(families.get('gsdyn_worker_busy_seconds_total')?.type, 'counter');

      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${server.url}/readyz`)).status, 503);
      ready = true;
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
      assert.equal((await fetch(`${server.url}/nope`)).status, 404);
    } finally {
      await server.close();
    }
  });

  test('a scrape still succeeds while Redis is unreachable, without queue depths', async () => {
    const settings = testSettings('redis://127.0.0.1:1');
    const offline = createQueueRuntime(settings);
    const metrics = createMetrics({ processMetrics: false, queueCountTimeoutMs: 300 });
    metrics.trackQueues([offline.queue('track')]);
    try {
      const families = parsePrometheusText(await metrics.text());
      assert.equal(findSample(families, 'gsdyn_queue_jobs', { queue: 'track' }), undefined);
      assert.match(String(metrics.lastQueueError), /job counts of queue track: no answer within 300 ms/);
    } finally {
      await offline.close();
    }
  });
});
