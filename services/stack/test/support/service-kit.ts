// Shared by the tracker, trainer and stack tests: tiny simulated captures, configuration for a test's own
// queue prefix, and waiting for jobs.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArtifactStore,
  captureArtifactPrefix,
  loadConfig,
  type PlatformConfig,
  putDirectory,
} from '@gsdyn/platform';
import { generateEpisode } from '@gsdyn/sim';
import type { Job, Queue } from 'bullmq';

/** Tracking settings that make opaque Gaussians on the tiny capture in well under a second. */
export const TINY_TRACK = { itersFirst: 200, iters: 5, points: 400, seed: 0 } as const;
// trainModel refuses seed 0 (it wants a positive seed), though the platform's schema allows it.
export const TINY_TRAIN = { hidden: 8, epochs: 1, steps: 3, batch: 2, seed: 1 } as const;

/** A 4-frame rope episode, 64 x 48, 2 views (with ground truth), in a new temporary directory. */
export async function makeTinyEpisode(seed = 1): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'gsdyn-capture-'));
  const dir = join(root, 'episode');
  await generateEpisode(dir, {
    kind: 'rope',
    frames: 4,
    width: 64,
    height: 48,
    views: 2,
    seed,
    supersample: 1,
  });
  return { dir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Uploads an episode directory as an owner's capture (what the gateway does after validating an upload). */
export async function uploadCapture(
  store: ArtifactStore,
  episodeDir: string,
  owner: string,
  captureId: string,
): Promise<string> {
  const key = captureArtifactPrefix(owner, captureId);
  await putDirectory(store, episodeDir, key);
  return key;
}

/** Environment of a service in a test: its own queue prefix, 1 s locks (fast recovery), short backoff. */
export function testEnv(redisUrl: string, store: Record<string, string>, extra: Record<string, string> = {}) {
  return {
    GSDYN_REDIS_URL: redisUrl,
    GSDYN_QUEUE_PREFIX: `test-${randomUUID().slice(0, 8)}`,
    GSDYN_JOB_LOCK_MS: '1000',
    GSDYN_JOB_STALLED_INTERVAL_MS: '1000',
    GSDYN_JOB_BACKOFF_MS: '50',
    GSDYN_METRICS_PORT: '0',
    GSDYN_LOG_LEVEL: 'silent',
    ...store,
    ...extra,
  };
}

export function fsStoreEnv(dir: string): Record<string, string> {
  return { GSDYN_STORE: 'fs', GSDYN_STORE_DIR: dir };
}

export function s3StoreEnv(s3: {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  region: string;
}): Record<string, string> {
  return {
    GSDYN_STORE: 's3',
    GSDYN_S3_ENDPOINT: s3.endpoint,
    GSDYN_S3_BUCKET: s3.bucket,
    GSDYN_S3_ACCESS_KEY: s3.accessKey,
    GSDYN_S3_SECRET_KEY: s3.secretKey,
    GSDYN_S3_REGION: s3.region,
  };
}

export function configOf(env: Record<string, string>): PlatformConfig {
  return loadConfig(env);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until the job is completed or failed; returns it as stored then. */
export function waitForFinished(queue: Queue, jobId: string, timeoutMs = 30_000): Promise<Job> {
  return waitFor(
    `job ${jobId} in ${queue.name} to finish`,
    async () => {
      const state = await queue.getJobState(jobId);
      return state === 'completed' || state === 'failed' ? await queue.getJob(jobId) : undefined;
    },
    timeoutMs,
  );
}

/**
 * Like waitForFinished, through a Redis outage: a probe that fails (the queue's connection is down, or not ready
 * again yet) counts as "not finished yet". The timeout's message has the error of the last probe when it failed.
 */
export async function waitForFinishedThroughOutage(
  queue: Queue,
  jobId: string,
  timeoutMs = 30_000,
): Promise<Job> {
  let lastError: unknown;
  try {
    return await waitFor(
      `job ${jobId} in ${queue.name} to finish`,
      async () => {
        try {
          const state = await queue.getJobState(jobId);
          lastError = undefined;
          return state === 'completed' || state === 'failed' ? await queue.getJob(jobId) : undefined;
        } catch (error) {
          lastError = error;
          return undefined;
        }
      },
      timeoutMs,
    );
  } catch (error) {
    if (lastError === undefined) throw error;
    throw new Error(`${(error as Error).message} (last probe error: ${(lastError as Error).message})`);
  }
}

/** Every object of the artifact directory at `prefix` (its manifest included), by path relative to it. */
export async function readArtifactFiles(store: ArtifactStore, prefix: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const info of await store.list(`${prefix}/`))
    files.set(info.key.slice(prefix.length + 1), await store.getBuffer(info.key));
  return files;
}
