import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type ArtifactStore,
  getDirectory,
  isArtifactComplete,
  type LocalRedis,
  type LocalS3,
  openArtifactStore,
  pipelineOutputPrefix,
  readArtifactManifest,
  startLocalRedis,
  startLocalS3,
} from '@gsdyn/platform';
import { readTracks } from '@gsdyn/track';
import {
  configOf,
  fsStoreEnv,
  makeTinyEpisode,
  s3StoreEnv,
  TINY_TRACK,
  testEnv,
  uploadCapture,
  waitForFinished,
} from '../../stack/test/support/service-kit.js';
import { CAPTURE_REF_FILE, startTrackerWorker, type TrackerWorker } from '../src/main.js';

describe('tracker worker (real Redis)', () => {
  let redis: LocalRedis;
  let s3: LocalS3;
  let episode: Awaited<ReturnType<typeof makeTinyEpisode>>;
  let root: string;
  const workers: TrackerWorker[] = [];
  before(async () => {
    [redis, s3, episode] = await Promise.all([startLocalRedis(), startLocalS3(), makeTinyEpisode()]);
    root = await mkdtemp(join(tmpdir(), 'gsdyn-tracker-test-'));
  });
  after(async () => {
    await Promise.allSettled(workers.map((w) => w.close()));
    await Promise.allSettled([redis?.stop(), s3?.stop(), episode?.cleanup()]);
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function start(storeEnv: Record<string, string>): Promise<{
    worker: TrackerWorker;
    store: ArtifactStore;
    tempRoot: string;
  }> {
    const config = configOf(testEnv(redis.url, storeEnv));
    const tempRoot = await mkdtemp(join(root, 'work-'));
    const worker = await startTrackerWorker(config, { telemetry: false, tempRoot });
    workers.push(worker);
    return { worker, store: await openArtifactStore(config.store), tempRoot };
  }

  for (const kind of ['fs', 's3'] as const) {
    test(`tracks an uploaded capture into a complete artifact (${kind} store); a retry reuses it`, async () => {
      const { worker, store, tempRoot } = await start(
        kind === 'fs' ? fsStoreEnv(join(root, 'store-fs')) : s3StoreEnv(s3),
      );
      const captureKey = await uploadCapture(store, episode.dir, 'lab', 'rope1');
      const outputPrefix = pipelineOutputPrefix('lab', 'p1', 'track', 'rope1');
      const payload = {
        pipelineId: 'p1',
        owner: 'lab',
        captureId: 'rope1',
        captureKey,
        outputPrefix,
        // Preset overrides pass through to trackEpisode (recorded in the tracks' manifest below).
        options: { ...TINY_TRACK, alignIters: 2, neighbourSpread: 2, colorOffsetOnMask: false },
      };
      const queue = worker.runtime.queue('track');
      const progress: number[] = [];
      worker.worker.on('progress', (_job, p) => progress.push((p as { fraction: number }).fraction));
      await worker.runtime.addJob('track', payload, { jobId: 'first' });
      const job = await waitForFinished(queue, 'first');
      assert.equal(job.failedReason, undefined);
      assert.equal(await job.getState(), 'completed');
      assert.deepEqual(Object.keys(job.returnvalue).sort(), ['captureId', 'metrics', 'outputPrefix']);
      assert.equal(job.returnvalue.outputPrefix, outputPrefix);
      assert.ok(await isArtifactComplete(store, outputPrefix));
      const m = job.returnvalue.metrics as Record<string, number>;
      assert.equal(m.frames, 4);
      assert.ok(m.gaussians > 0);
      // The capture has ground truth: the tracking errors are reported, finite and positive.
      assert.ok(m.medianTrajectoryErrorMm > 0 && Number.isFinite(m.medianTrajectoryErrorMm));
      assert.ok(progress.length >= 2 && progress.at(-1) === 1, `progress ${progress.join(', ')}`);
      assert.ok(
        progress.some((f) => f > 0 && f < 1),
        'some progress between 0 and 1 was reported',
      );

      const local = join(root, `download-${kind}`);
      await getDirectory(store, outputPrefix, local);
      const tracks = await readTracks(local);
      assert.equal(tracks.manifest.frames, 4);
      assert.equal(tracks.manifest.gaussians, m.gaussians);
      assert.equal(tracks.manifest.options.alignIters, 2);
      assert.equal(tracks.manifest.options.neighbourSpread, 2);
      assert.equal(tracks.manifest.options.colorOffsetOnMask, false);
      assert.equal(tracks.manifest.options.velocityScale, 0, "the preset's where the job sets nothing");
      for (const v of tracks.means) assert.ok(Number.isFinite(v));
      const ref = JSON.parse(await readFile(join(local, CAPTURE_REF_FILE), 'utf8'));
      assert.deepEqual(ref, { captureId: 'rope1', captureKey });
      const files = await readdir(local);
      for (const f of ['params.npz', 'contact_sheet.png', 'evaluation.json', 'losses.csv'])
        assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
      assert.deepEqual(await readdir(tempRoot), [], 'the job directory is removed');

      // Same output prefix again (a retry after the upload): the artifact is reused, not rewritten.
      const before = await readArtifactManifest(store, outputPrefix);
      await worker.runtime.addJob('track', payload, { jobId: 'again' });
      const again = await waitForFinished(queue, 'again');
      assert.equal(await again.getState(), 'completed');
      assert.deepEqual(again.returnvalue, job.returnvalue);
      assert.deepEqual(await readArtifactManifest(store, outputPrefix), before);
    });
  }

  test('a capture that is not a valid episode, or is missing, fails at once without retries', async () => {
    const { worker, store, tempRoot } = await start(fsStoreEnv(join(root, 'store-bad')));
    const bad = join(root, 'bad-episode');
    await rm(bad, { recursive: true, force: true });
    await cp(episode.dir, bad, { recursive: true });
    await writeFile(join(bad, 'episode.json'), JSON.stringify({ format: 'not-an-episode' }));
    const badKey = await uploadCapture(store, bad, 'lab', 'broken');
    const base = { pipelineId: 'p2', owner: 'lab', options: TINY_TRACK };
    await worker.runtime.addJob(
      'track',
      {
        ...base,
        captureId: 'broken',
        captureKey: badKey,
        outputPrefix: 'owners/lab/pipelines/p2/track/broken',
      },
      { jobId: 'bad' },
    );
    await worker.runtime.addJob(
      'track',
      {
        ...base,
        captureId: 'nowhere',
        captureKey: 'owners/lab/captures/nowhere',
        outputPrefix: 'owners/lab/pipelines/p2/track/nowhere',
      },
      { jobId: 'missing' },
    );
    const queue = worker.runtime.queue('track');
    const badJob = await waitForFinished(queue, 'bad');
    assert.equal(await badJob.getState(), 'failed');
    assert.equal(badJob.attemptsMade, 1, 'no retry');
    assert.match(badJob.failedReason, /not a valid episode/);
    assert.match(badJob.failedReason, /episode\.json/);
    const missing = await waitForFinished(queue, 'missing');
    assert.equal(await missing.getState(), 'failed');
    assert.equal(missing.attemptsMade, 1, 'no retry');
    assert.match(missing.failedReason, /owners\/lab\/captures\/nowhere: missing or incomplete/);
    assert.equal(await isArtifactComplete(store, 'owners/lab/pipelines/p2/track/broken'), false);
    assert.deepEqual(await readdir(tempRoot), []);
  });
});
