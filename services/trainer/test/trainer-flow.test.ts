import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  addPipelineFlow,
  getDirectory,
  isArtifactComplete,
  type LocalRedis,
  openArtifactStore,
  startLocalRedis,
} from '@gsdyn/platform';
import {
  configOf,
  fsStoreEnv,
  makeTinyEpisode,
  TINY_TRACK,
  TINY_TRAIN,
  testEnv,
  uploadCapture,
  waitForFinished,
} from '../../stack/test/support/service-kit.js';
import { startTrackerWorker, type TrackerWorker } from '../../tracker/src/main.js';
import { startTrainerWorker, type TrainerWorker } from '../src/main.js';

describe('trainer worker in a pipeline flow (real Redis, fs store)', () => {
  let redis: LocalRedis;
  let episodes: Awaited<ReturnType<typeof makeTinyEpisode>>[];
  let root: string;
  const closers: (() => Promise<void>)[] = [];
  before(async () => {
    [redis, ...episodes] = await Promise.all([startLocalRedis(), makeTinyEpisode(1), makeTinyEpisode(2)]);
    root = await mkdtemp(join(tmpdir(), 'gsdyn-trainer-test-'));
  });
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await Promise.allSettled([redis?.stop(), ...episodes.map((e) => e.cleanup())]);
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('track children run first, then train makes a model from their outputs', async () => {
    const env = testEnv(redis.url, fsStoreEnv(join(root, 'store')));
    const config = configOf(env);
    const tempRoot = await mkdtemp(join(root, 'work-'));
    const tracker: TrackerWorker = await startTrackerWorker(config, { telemetry: false, tempRoot });
    closers.push(() => tracker.close());
    const trainer: TrainerWorker = await startTrainerWorker(config, {
      telemetry: false,
      tempRoot,
      points: 50,
    });
    closers.push(() => trainer.close());
    const store = await openArtifactStore(config.store);
    const captures = [
      { captureId: 'ropeA', captureKey: await uploadCapture(store, episodes[0].dir, 'lab', 'ropeA') },
      { captureId: 'ropeB', captureKey: await uploadCapture(store, episodes[1].dir, 'lab', 'ropeB') },
    ];
    const flow = await addPipelineFlow(trainer.runtime, {
      pipelineId: 'pipe1',
      owner: 'lab',
      captures,
      track: TINY_TRACK,
      train: TINY_TRAIN,
    });
    assert.equal(flow.rootStage, 'train');
    const root_ = await waitForFinished(trainer.runtime.queue('train'), flow.rootJobId, 45_000);
    assert.equal(root_.failedReason, undefined);
    assert.equal(await root_.getState(), 'completed');
    // The parent ran after both children: it finished after each of them.
    for (const c of captures) {
      const child = await tracker.runtime.queue('track').getJob(`pipe1.track.${c.captureId}`);
      assert.equal(await child?.getState(), 'completed');
      assert.ok((child?.finishedOn ?? Infinity) <= (root_.processedOn ?? 0));
    }
    const { outputPrefix, metrics } = root_.returnvalue as {
      outputPrefix: string;
      metrics: Record<string, number>;
    };
    assert.equal(outputPrefix, 'owners/lab/pipelines/pipe1/train');
    assert.ok(await isArtifactComplete(store, outputPrefix));
    assert.equal(metrics.episodes, 2);
    assert.equal(metrics.epochs, 1);
    assert.ok(metrics.parameters > 0 && metrics.trainLoss > 0);
    const local = join(root, 'model');
    await getDirectory(store, outputPrefix, local);
    const files = (await readdir(local)).sort();
    for (const f of ['losses.csv', 'model.json', 'model.onnx', 'weights.npz'])
      assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
    assert.ok(!files.includes('checkpoint'));
    const model = JSON.parse(await readFile(join(local, 'model.json'), 'utf8'));
    assert.equal(JSON.stringify(model).includes('"hidden":8'), true, 'trained with the pipeline options');
    assert.deepEqual(await readdir(tempRoot), [], 'job directories are removed');
  });

  test('train without any track directory fails at once', async () => {
    const config = configOf(testEnv(redis.url, fsStoreEnv(join(root, 'store2'))));
    const trainer = await startTrainerWorker(config, { telemetry: false });
    closers.push(() => trainer.close());
    await trainer.runtime.addJob(
      'train',
      { pipelineId: 'p', owner: 'lab', outputPrefix: 'owners/lab/pipelines/p/train', options: TINY_TRAIN },
      { jobId: 'empty' },
    );
    const job = await waitForFinished(trainer.runtime.queue('train'), 'empty');
    assert.equal(await job.getState(), 'failed');
    assert.equal(job.attemptsMade, 1);
    assert.match(job.failedReason, /no track directories/);
  });
});
