import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  addPipelineFlow,
  buildPipelineFlow,
  captureArtifactPrefix,
  createQueueRuntime,
  createStageWorker,
  InvalidInputError,
  type LocalRedis,
  type PipelineSpec,
  pipelineJobId,
  type QueueRuntime,
  startLocalRedis,
} from '../src/index.js';
import { testSettings, waitForFinished } from './helpers/queue-test-kit.js';

const spec = (captureIds: string[], extra: Partial<PipelineSpec> = {}): PipelineSpec => ({
  pipelineId: 'pipe-1',
  owner: 'lab-a',
  captures: captureIds.map((captureId) => ({
    captureId,
    captureKey: captureArtifactPrefix('lab-a', captureId),
  })),
  ...extra,
});

describe('pipeline flow', () => {
  test('the tree is upside down: the last stage is the root, track jobs are the leaves', () => {
    const settings = testSettings('redis://127.0.0.1:1', { attempts: 4, backoffMs: 1000 });
    const flow = buildPipelineFlow(
      spec(['c1', 'c2'], { afterTrain: ['eval'], train: { epochs: 2 } }),
      settings,
    );
    assert.equal(flow.queueName, 'eval');
    assert.equal(flow.opts?.jobId, 'pipe-1.eval');
    assert.equal(flow.opts?.failParentOnFailure, undefined);
    const [train] = flow.children ?? [];
    assert.equal(train.queueName, 'train');
    assert.equal(train.opts?.failParentOnFailure, true);
    assert.deepEqual(train.data, {
      pipelineId: 'pipe-1',
      owner: 'lab-a',
      outputPrefix: 'owners/lab-a/pipelines/pipe-1/train',
      trackPrefixes: [],
      options: { epochs: 2 },
    });
    const tracks = train.children ?? [];
    assert.deepEqual(
      tracks.map((t) => [t.queueName, t.opts?.jobId, t.data.captureKey, t.data.outputPrefix]),
      [
        ['track', 'pipe-1.track.c1', 'owners/lab-a/captures/c1', 'owners/lab-a/pipelines/pipe-1/track/c1'],
        ['track', 'pipe-1.track.c2', 'owners/lab-a/captures/c2', 'owners/lab-a/pipelines/pipe-1/track/c2'],
      ],
    );
    // A FlowProducer does not apply the queues' defaults: every job carries the retry options.
    for (const job of [flow, train, ...tracks]) {
      assert.equal(job.opts?.attempts, 4);
      assert.deepEqual(job.opts?.backoff, { type: 'exponential', delay: 1000 });
    }
    assert.equal(buildPipelineFlow(spec(['c1']), settings).queueName, 'train');
  });

  test('bad pipelines are refused with the fields named', () => {
    const settings = testSettings('redis://127.0.0.1:1');
    const refused = (s: PipelineSpec, pattern: RegExp) =>
      assert.throws(
        () => buildPipelineFlow(s, settings),
        (e: unknown) => e instanceof InvalidInputError && pattern.test(e.message),
      );
    refused(spec([]), /pipeline\.captures: /);
    refused(spec(['c1', 'c1']), /captures: expected distinct captureIds/);
    refused(
      spec(['c1'], { afterTrain: ['render', 'eval'] }),
      /afterTrain: expected distinct stages in the order eval, render/,
    );
    refused(spec(['c1'], { train: { epochs: 0 } }), /pipeline\.train\.epochs: /);
    refused({ ...spec(['c1']), track: { iterations: 5 } } as PipelineSpec, /pipeline\.track: .*iterations/);
    refused(spec(['c1'], { track: { velocityScale: 1.5 } }), /pipeline\.track\.velocityScale: /);
    refused(spec(['c1'], { track: { neighbourSpread: 0.5 } }), /pipeline\.track\.neighbourSpread: /);
    refused(spec(['c1'], { track: { alignIters: -1 } }), /pipeline\.track\.alignIters: /);
    refused(spec(['a:b']), /captures\[0\]\.captureId: /);
    refused(spec(['c1'], { pipelineId: '../x' }), /pipeline\.pipelineId: /);
  });

  describe('on a real redis-server', () => {
    let redis: LocalRedis;
    const runtimes: QueueRuntime[] = [];
    before(async () => {
      redis = await startLocalRedis();
    });
    after(async () => {
      for (const r of runtimes) await r.close();
      await redis.stop();
    });

    test('children run before their parent, and each parent sees its children results', async () => {
      const rt = createQueueRuntime(testSettings(redis.url));
      runtimes.push(rt);
      const log: string[] = [];
      createStageWorker(
        rt,
        'track',
        async ({ data }) => {
          log.push(`track ${data.captureId} start`);
          await new Promise((r) => setTimeout(r, 50));
          log.push(`track ${data.captureId} end`);
          return { outputPrefix: data.outputPrefix, captureId: data.captureId, metrics: { gaussians: 100 } };
        },
        { concurrency: 3 },
      );
      let trainInputs: string[] = [];
      createStageWorker(rt, 'train', async (ctx) => {
        log.push('train start');
        trainInputs = (await ctx.childResults('track')).map((r) => r.outputPrefix);
        assert.deepEqual(await ctx.childResults('eval'), []);
        return { outputPrefix: ctx.data.outputPrefix, metrics: { validationLoss: 0.1 } };
      });
      let evalInput: unknown;
      createStageWorker(rt, 'eval', async (ctx) => {
        log.push('eval start');
        evalInput = await ctx.childResults('train');
        return { outputPrefix: ctx.data.outputPrefix, metrics: { errorMm: 3 } };
      });

      const added = await addPipelineFlow(rt, spec(['c1', 'c2', 'c3'], { afterTrain: ['eval'] }));
      assert.equal(added.rootJobId, 'pipe-1.eval');
      assert.deepEqual(
        added.jobs.map((j) => j.jobId),
        ['pipe-1.track.c1', 'pipe-1.track.c2', 'pipe-1.track.c3', 'pipe-1.train', 'pipe-1.eval'],
      );
      const root = await waitForFinished(rt.queue('eval'), added.rootJobId);
      assert.equal(await root.getState(), 'completed', root.failedReason);
      assert.deepEqual(root.returnvalue, {
        outputPrefix: 'owners/lab-a/pipelines/pipe-1/eval',
        metrics: { errorMm: 3 },
      });
      const trainStart = log.indexOf('train start');
      assert.equal(log.filter((l, i) => l.endsWith(' end') && i < trainStart).length, 3, log.join(', '));
      assert.ok(log.indexOf('eval start') > trainStart);
      assert.deepEqual(
        trainInputs,
        [1, 2, 3].map((i) => `owners/lab-a/pipelines/pipe-1/track/c${i}`),
      );
      assert.deepEqual(evalInput, [
        { outputPrefix: 'owners/lab-a/pipelines/pipe-1/train', metrics: { validationLoss: 0.1 } },
      ]);
      // Adding the same pipeline again queues nothing new (deterministic job ids).
      await addPipelineFlow(rt, spec(['c1', 'c2', 'c3'], { afterTrain: ['eval'] }));
      assert.equal(await rt.queue('track').getJobCountByTypes('waiting', 'active', 'delayed'), 0);
    });

    test('a track job that fails for good fails the pipeline', async () => {
      const rt = createQueueRuntime(testSettings(redis.url, { attempts: 2, backoffMs: 10 }));
      runtimes.push(rt);
      let trainRuns = 0;
      createStageWorker(rt, 'track', async ({ data }) => {
        if (data.captureId === 'broken') throw new Error('cannot read frame 3');
        return { outputPrefix: data.outputPrefix, captureId: data.captureId };
      });
      createStageWorker(rt, 'train', async ({ data }) => {
        trainRuns++;
        return { outputPrefix: data.outputPrefix };
      });
      const added = await addPipelineFlow(rt, spec(['ok', 'broken'], { pipelineId: 'pipe-2' }));
      const root = await waitForFinished(rt.queue('train'), added.rootJobId);
      assert.equal(await root.getState(), 'failed');
      assert.equal(trainRuns, 0);
      const broken = await rt.queue('track').getJob(pipelineJobId('pipe-2', 'track', 'broken'));
      assert.equal(broken?.attemptsMade, 2);
      assert.equal(broken?.failedReason, 'cannot read frame 3');
    });
  });
});
