// Faults of the distributed mode with real processes: a worker SIGKILLed mid-job, Redis restarted mid-flow.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ARTIFACT_MANIFEST,
  addPipelineFlow,
  createQueueRuntime,
  isArtifactComplete,
  type LocalRedis,
  openArtifactStore,
  pipelineJobId,
  pipelineOutputPrefix,
  queueSettingsFromConfig,
  startLocalRedis,
} from '@gsdyn/platform';
import {
  configOf,
  fsStoreEnv,
  makeTinyEpisode,
  readArtifactFiles,
  TINY_TRACK,
  TINY_TRAIN,
  testEnv,
  uploadCapture,
  waitFor,
  waitForFinished,
  waitForFinishedThroughOutage,
} from '../../stack/test/support/service-kit.js';
import { startTrackerWorker } from '../../tracker/src/main.js';
import { startTrainerWorker } from '../src/main.js';

const TRACKER_MAIN = fileURLToPath(new URL('../../tracker/src/main.ts', import.meta.url));

/** Track-directory files whose bytes record the run rather than the result (see runIndependent). */
const RUN_RECORDS = new Set(['tracks.json', 'losses.csv']);

/**
 * A track artifact file without what legitimately differs between two runs of the same job: wall-clock seconds
 * (tracks.json `seconds`, the `seconds` column of losses.csv, the `seconds*` metrics and `createdAt` of the artifact
 * manifest) and the job's scratch directory (tracks.json `episode`, the local path the capture was downloaded to).
 * Every other file must be byte-identical. Throws when a field it removes is missing, so that a change in the
 * formats cannot make the comparison quietly weaker.
 */
function runIndependent(path: string, bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (path === 'tracks.json') {
    const { seconds, episode, ...rest } = JSON.parse(text) as Record<string, unknown>;
    assert.ok(Array.isArray(seconds) && typeof episode === 'string', `${path}: seconds and episode`);
    return rest;
  }
  if (path === 'losses.csv') {
    const rows = text
      .trimEnd()
      .split('\n')
      .map((line) => line.split(','));
    assert.equal(rows[0][1], 'seconds', `${path}: the second column`);
    return rows.map((row) => row.filter((_, i) => i !== 1));
  }
  if (path === ARTIFACT_MANIFEST) {
    const { createdAt, files, meta, ...rest } = JSON.parse(text) as {
      createdAt: string;
      files: { path: string; size: number; sha256: string }[];
      meta: Record<string, unknown>;
    };
    assert.equal(typeof createdAt, 'string', `${path}: createdAt`);
    const metrics = Object.entries(meta).filter(([k]) => !k.startsWith('seconds'));
    assert.ok(metrics.length < Object.keys(meta).length, `${path}: seconds* metrics in meta`);
    return {
      ...rest,
      files: files.map((f) => (RUN_RECORDS.has(f.path) ? { path: f.path } : f)),
      meta: Object.fromEntries(metrics),
    };
  }
  throw new Error(`${path}: expected byte-identical, not compared without its run details`);
}

let episodes: Awaited<ReturnType<typeof makeTinyEpisode>>[] = [];
let root: string;
before(async () => {
  episodes = await Promise.all([makeTinyEpisode(1), makeTinyEpisode(2)]);
  root = await mkdtemp(join(tmpdir(), 'gsdyn-faults-test-'));
});
after(async () => {
  await Promise.allSettled(episodes.map((e) => e.cleanup()));
  if (root) await rm(root, { recursive: true, force: true });
});

describe('a tracker process SIGKILLed mid-job (real Redis, fs store)', () => {
  let redis: LocalRedis;
  const closers: (() => Promise<void>)[] = [];
  const children: ChildProcess[] = [];
  before(async () => {
    redis = await startLocalRedis();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const close of closers.reverse()) await close().catch(() => {});
    await redis?.stop();
  });

  test('another worker completes the job, with the artifacts of an undisturbed run', async () => {
    const env = testEnv(redis.url, fsStoreEnv(join(root, 'store-kill')));
    const config = configOf(env);
    const store = await openArtifactStore(config.store);
    const captureKey = await uploadCapture(store, episodes[0].dir, 'lab', 'ropeK');
    const runtime = createQueueRuntime(queueSettingsFromConfig(config));
    closers.push(() => runtime.close());
    const queue = runtime.queue('track');
    // Enough iterations that the job is still running when it is killed.
    const options = { ...TINY_TRACK, iters: 600 };
    const addTrack = async (pipelineId: string) => {
      const outputPrefix = pipelineOutputPrefix('lab', pipelineId, 'track', 'ropeK');
      const payload = { pipelineId, owner: 'lab', captureId: 'ropeK', captureKey, outputPrefix, options };
      await runtime.addJob('track', payload, { jobId: pipelineId });
      return outputPrefix;
    };
    const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', TRACKER_MAIN], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    children.push(proc);

    // The reference: the same job, run to the end by the process that is killed next.
    const undisturbedPrefix = await addTrack('undisturbed');
    const undisturbed = await waitForFinished(queue, 'undisturbed', 45_000);
    assert.equal(undisturbed.failedReason, undefined);
    assert.equal(await undisturbed.getState(), 'completed');

    const killedPrefix = await addTrack('killed');
    await waitFor('the job to report progress', async () => {
      const job = await queue.getJob('killed');
      const p = job?.progress as { fraction?: number } | undefined;
      return (p?.fraction ?? 0) > 0.1 ? true : undefined;
    });
    proc.kill('SIGKILL');
    await once(proc, 'exit');
    assert.equal(await queue.getJobState('killed'), 'active', 'killed mid-job');
    assert.equal(await isArtifactComplete(store, killedPrefix), false);
    const tracker = await startTrackerWorker(config, { telemetry: false });
    closers.push(() => tracker.close());
    const job = await waitForFinished(queue, 'killed', 45_000);
    assert.equal(job.failedReason, undefined);
    assert.equal(await job.getState(), 'completed');
    assert.equal(job.stalledCounter, 1, 'recovered as a stalled job');
    assert.equal(job.attemptsMade, undisturbed.attemptsMade, 'no failed attempt');
    assert.ok(await isArtifactComplete(store, killedPrefix));

    const [expected, actual] = await Promise.all([
      readArtifactFiles(store, undisturbedPrefix),
      readArtifactFiles(store, killedPrefix),
    ]);
    assert.deepEqual([...actual.keys()], [...expected.keys()], 'the same files');
    for (const f of [ARTIFACT_MANIFEST, 'means.npy', 'rotations.npy', 'cloud.ply', 'params.npz'])
      assert.ok(expected.has(f), `${f} in ${[...expected.keys()].join(', ')}`);
    const differing = [...expected].filter(
      ([path, bytes]) =>
        !RUN_RECORDS.has(path) && path !== ARTIFACT_MANIFEST && !bytes.equals(actual.get(path) as Buffer),
    );
    assert.deepEqual(
      differing.map(([path]) => path),
      [],
      'files that are not byte-identical to the undisturbed run',
    );
    for (const path of [...RUN_RECORDS, ARTIFACT_MANIFEST])
      assert.deepEqual(
        runIndependent(path, actual.get(path) as Buffer),
        runIndependent(path, expected.get(path) as Buffer),
        `${path} without its timings`,
      );
  });
});

describe('Redis restarted mid-flow (append-only Redis, in-process workers)', () => {
  let redis: LocalRedis;
  const closers: (() => Promise<void>)[] = [];
  before(async () => {
    redis = await startLocalRedis({ persistence: true });
  });
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await redis?.stop();
  });

  test('the workers reconnect by themselves and the flow completes', async () => {
    const config = configOf(testEnv(redis.url, fsStoreEnv(join(root, 'store-restart'))));
    const tempRoot = await mkdtemp(join(root, 'work-'));
    const tracker = await startTrackerWorker(config, { telemetry: false, tempRoot });
    closers.push(() => tracker.close());
    const trainer = await startTrainerWorker(config, { telemetry: false, tempRoot, points: 50 });
    closers.push(() => trainer.close());
    const store = await openArtifactStore(config.store);
    const captures = [
      { captureId: 'ropeA', captureKey: await uploadCapture(store, episodes[0].dir, 'lab', 'ropeA') },
      { captureId: 'ropeB', captureKey: await uploadCapture(store, episodes[1].dir, 'lab', 'ropeB') },
    ];
    const flow = await addPipelineFlow(trainer.runtime, {
      pipelineId: 'pr',
      owner: 'lab',
      captures,
      // Long enough that a track job seen computing is still computing after the restart.
      track: { ...TINY_TRACK, iters: 400 },
      train: TINY_TRAIN,
    });
    const trackQueue = tracker.runtime.queue('track');
    const trackIds = captures.map((c) => pipelineJobId('pr', 'track', c.captureId));
    const computing = await waitFor('a track job to report computing progress', async () => {
      for (const id of trackIds) {
        const job = await trackQueue.getJob(id);
        const p = job?.progress as { fraction?: number } | undefined;
        // Above 0.02: past the download, in the stage process.
        if ((p?.fraction ?? 0) > 0.02 && (await job?.getState()) === 'active') return id;
      }
      return undefined;
    });
    await redis.restart();
    const restarted = Date.now();

    const rootJob = await waitForFinishedThroughOutage(
      trainer.runtime.queue('train'),
      flow.rootJobId,
      45_000,
    );
    assert.equal(rootJob.failedReason, undefined);
    assert.equal(await rootJob.getState(), 'completed');
    for (const id of trackIds) assert.equal(await trackQueue.getJobState(id), 'completed', id);
    const interrupted = await trackQueue.getJob(computing);
    assert.ok((interrupted?.finishedOn ?? 0) > restarted, `${computing} was running through the restart`);
    const { outputPrefix } = rootJob.returnvalue as { outputPrefix: string };
    assert.equal(outputPrefix, pipelineOutputPrefix('lab', 'pr', 'train'));
    assert.ok(await isArtifactComplete(store, outputPrefix));
    assert.ok((rootJob.processedOn ?? 0) > restarted, 'the trainer took the train job after the restart');
    assert.deepEqual(await readdir(tempRoot), [], 'job directories are removed');
  });
});
