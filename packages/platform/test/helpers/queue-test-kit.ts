import { randomUUID } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import { loadConfig, type QueueSettings, queueSettingsFromConfig } from '../../src/index.js';

/** Settings for a test: its own key prefix, 1 s locks (fast stalled-job recovery), short backoff. */
export function testSettings(redisUrl: string, overrides: Partial<QueueSettings> = {}): QueueSettings {
  return queueSettingsFromConfig(loadConfig({ GSDYN_REDIS_URL: redisUrl }), {
    prefix: `test-${randomUUID().slice(0, 8)}`,
    lockDurationMs: 1000,
    stalledIntervalMs: 1000,
    backoffMs: 50,
    ...overrides,
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until the job is completed or failed; returns the job as stored then. */
export async function waitForFinished(queue: Queue, jobId: string, timeoutMs = 15_000): Promise<Job> {
  return waitFor(
    `job ${jobId} in ${queue.name} to finish`,
    async () => {
      const state = await queue.getJobState(jobId);
      // Read the job after its state is final, so attemptsMade and failedReason are final too.
      return state === 'completed' || state === 'failed' ? await queue.getJob(jobId) : undefined;
    },
    timeoutMs,
  );
}
