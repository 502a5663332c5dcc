import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findSample, parsePrometheusText, pipelineOutputPrefix } from '@gsdyn/platform';
import { ApiKeyStore } from '../src/auth/api-keys.js';
import { openGatewayRedis } from '../src/redis-client.js';
import { packTar } from './helpers/archives.js';
import { ADMIN_KEY, type GatewayKit, startGatewayKit, upload } from './helpers/gateway-kit.js';

let kit: GatewayKit;
let otherKey: string;
let captureId: string;
before(async () => {
  kit = await startGatewayKit();
  const created = await kit.app.inject({
    method: 'POST',
    url: '/v1/admin/api-keys',
    payload: { owner: 'lab-b' },
    headers: { 'x-api-key': ADMIN_KEY },
  });
  assert.equal(created.statusCode, 201, created.body);
  otherKey = (created.json() as { apiKey: string }).apiKey;
  const res = await upload(kit.app, ADMIN_KEY, await packTar(kit.episode));
  assert.equal(res.statusCode, 201, res.body);
  captureId = (res.json() as { captureId: string }).captureId;
});
after(async () => {
  await kit.close();
});

const get = (url: string, key?: string) =>
  kit.app.inject({ url, headers: key ? { authorization: `Bearer ${key}` } : {} });
const startPipeline = (payload: unknown, key = ADMIN_KEY) =>
  kit.app.inject({
    method: 'POST',
    url: '/v1/pipelines',
    payload: payload as object,
    headers: { 'x-api-key': key },
  });

describe('authentication and tenants', () => {
  it('answers 401 without a key or with an unknown one, on every /v1 route', async () => {
    for (const url of [
      '/v1/jobs',
      `/v1/captures/${captureId}`,
      `/v1/artifacts/captures/${captureId}/episode.json`,
    ]) {
      const none = await get(url);
      assert.equal(none.statusCode, 401, url);
      assert.match((none.json() as { message: string }).message, /missing API key/);
      assert.equal((await get(url, 'not-a-key-of-anyone-0000')).statusCode, 401, url);
    }
    assert.equal((await upload(kit.app, undefined, await packTar(kit.episode))).statusCode, 401);
    assert.equal((await kit.store.list('owners/lab-b/')).length, 0);
  });

  it('keys are stored hashed, never in clear', async () => {
    const keys = new ApiKeyStore(await openGatewayRedis(kit.runtime), kit.runtime.settings.prefix);
    assert.deepEqual(await keys.lookup(otherKey), { owner: 'lab-b', admin: false });
    const redisClient = await kit.runtime.queue('track').getBackend().client;
    const raw = await redisClient.runCommand('keys', ['*']);
    assert.ok(!JSON.stringify(raw).includes(otherKey) && !JSON.stringify(raw).includes(ADMIN_KEY));
  });

  it("another tenant's key gets 404 on a capture, a job and an artifact", async () => {
    const job = await startPipeline({ captureIds: [captureId] });
    assert.equal(job.statusCode, 201, job.body);
    const { jobId } = job.json() as { jobId: string };
    for (const url of [
      `/v1/captures/${captureId}`,
      `/v1/jobs/${jobId}`,
      `/v1/artifacts/captures/${captureId}/episode.json`,
      `/v1/artifacts/captures/${captureId}`,
    ]) {
      assert.equal((await get(url, ADMIN_KEY)).statusCode, 200, url);
      assert.equal((await get(url, otherKey)).statusCode, 404, url);
    }
    const theirs = (await get('/v1/jobs', otherKey)).json() as { jobs: unknown[] };
    assert.deepEqual(theirs.jobs, []);
    // Using the capture in their own pipeline is refused the same way.
    const stolen = await startPipeline({ captureIds: [captureId] }, otherKey);
    assert.equal(stolen.statusCode, 404);
    // Only admin keys create keys.
    const denied = await kit.app.inject({
      method: 'POST',
      url: '/v1/admin/api-keys',
      payload: { owner: 'x' },
      headers: { 'x-api-key': otherKey },
    });
    assert.equal(denied.statusCode, 403);
  });
});

describe('pipelines and jobs', () => {
  it('POST /v1/pipelines queues track per capture then train, with the payloads the workers expect', async () => {
    const second = await upload(kit.app, ADMIN_KEY, await packTar(kit.episode, true));
    const captureB = (second.json() as { captureId: string }).captureId;
    const res = await startPipeline({
      captureIds: [captureId, captureB],
      track: { iters: 5 },
      train: { epochs: 2 },
    });
    assert.equal(res.statusCode, 201, res.body);
    const { jobId } = res.json() as { jobId: string };
    const track = await kit.runtime.queue('track').getJob(`${jobId}.track.${captureB}`);
    assert.ok(track);
    assert.deepEqual(track.data, {
      pipelineId: jobId,
      owner: 'admin',
      captureId: captureB,
      captureKey: `owners/admin/captures/${captureB}`,
      outputPrefix: pipelineOutputPrefix('admin', jobId, 'track', captureB),
      options: { iters: 5 },
    });
    const train = await kit.runtime.queue('train').getJob(`${jobId}.train`);
    assert.ok(train);
    assert.equal(train.data.owner, 'admin');
    assert.deepEqual(train.data.options, { epochs: 2 });
    assert.equal(await train.getState(), 'waiting-children');
    assert.equal((await kit.runtime.queue('render').getJobCounts('waiting', 'waiting-children')).waiting, 0);

    const status = (await get(`/v1/jobs/${jobId}`, ADMIN_KEY)).json() as {
      state: string;
      stages: { stage: string; state: string; progress: number; captureId?: string }[];
    };
    assert.equal(status.state, 'waiting');
    assert.deepEqual(
      status.stages.map((s) => [s.stage, s.captureId ?? null, s.state, s.progress]),
      [
        ['track', captureId, 'waiting', 0],
        ['track', captureB, 'waiting', 0],
        ['train', null, 'waiting', 0],
      ],
    );
    const list = (await get('/v1/jobs', ADMIN_KEY)).json() as { jobs: { jobId: string }[] };
    assert.equal(list.jobs[0].jobId, jobId, 'newest first');
  });

  it('reports a failed stage with its error and the pipeline as failed', async () => {
    // Take the oldest waiting track job as a worker would, and fail it for good.
    const worker = kit.runtime.worker('track', async () => undefined, { autorun: false });
    const job = await worker.getNextJob('test-token');
    assert.ok(job);
    const jobId = (job.data as { pipelineId: string }).pipelineId;
    // UnrecoverableError (by name, as BullMQ checks it): no retry.
    const error = Object.assign(new Error('tracking diverged at frame 2'), { name: 'UnrecoverableError' });
    await job.moveToFailed(error, 'test-token', false);
    const status = (await get(`/v1/jobs/${jobId}`, ADMIN_KEY)).json() as {
      state: string;
      stages: { state: string; error?: string }[];
    };
    assert.equal(status.state, 'failed');
    assert.equal(status.stages[0].state, 'failed');
    assert.equal(status.stages[0].error, 'tracking diverged at frame 2');
  });

  it('refuses unknown captures (404) and malformed requests (400 naming the field)', async () => {
    const unknown = await startPipeline({ captureIds: ['no-such-capture'] });
    assert.equal(unknown.statusCode, 404);
    assert.match((unknown.json() as { message: string }).message, /no-such-capture/);
    const bad = await startPipeline({ captureIds: [], train: { epochs: -1 }, render: {} });
    assert.equal(bad.statusCode, 400);
    const fields = (bad.json() as { problems: { field: string }[] }).problems.map((p) => p.field);
    assert.ok(fields.includes('captureIds') && fields.includes('train.epochs'), JSON.stringify(fields));
    assert.equal((await get('/v1/jobs/does-not-exist', ADMIN_KEY)).statusCode, 404);
  });
});

describe('operations', () => {
  it('/healthz, /readyz, /metrics with the HTTP histogram and queue depths', async () => {
    assert.equal((await get('/healthz')).statusCode, 200);
    const ready = await get('/readyz');
    assert.equal(ready.statusCode, 200, ready.body);
    const metrics = await get('/metrics');
    assert.equal(metrics.statusCode, 200);
    const samples = parsePrometheusText(metrics.body);
    assert.ok(
      findSample(samples, 'gsdyn_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/jobs/:id',
        status: '200',
      }),
    );
    const waitingTracks = findSample(samples, 'gsdyn_queue_jobs', { queue: 'track', state: 'waiting' });
    assert.ok(waitingTracks !== undefined && waitingTracks >= 2, String(waitingTracks));
  });

  it('OpenAPI at /docs, the status page, and bull-board for admin keys only', async () => {
    const spec = (await get('/docs/json')).json() as { paths: Record<string, unknown> };
    for (const p of ['/v1/captures', '/v1/pipelines', '/v1/jobs/{id}', '/v1/artifacts/{*}', '/metrics'])
      assert.ok(p in spec.paths, `${p} in ${Object.keys(spec.paths).join(', ')}`);
    const page = await get('/', ADMIN_KEY);
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /<progress/);
    assert.match(page.body, /fetch\('\/v1\/jobs'/);
    assert.equal((await get('/admin/queues')).statusCode, 401);
    assert.equal((await get('/admin/queues', otherKey)).statusCode, 401);
    const basic = Buffer.from(`admin:${ADMIN_KEY}`).toString('base64');
    const board = await kit.app.inject({
      url: '/admin/queues',
      headers: { authorization: `Basic ${basic}` },
    });
    assert.equal(board.statusCode, 200, board.body.slice(0, 200));
  });
});
