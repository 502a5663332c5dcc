import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArtifactStore,
  createQueueRuntime,
  type LocalRedis,
  loadConfig,
  openArtifactStore,
  type QueueRuntime,
  queueSettingsFromConfig,
  type StoreConfig,
  startLocalRedis,
} from '@gsdyn/platform';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../src/gateway.js';
import type { UploadLimits } from '../../src/upload/limits.js';
import { type ArchiveEntry, multipartBody } from './archives.js';
import { tinyEpisodeEntries } from './tiny-episode.js';

export const ADMIN_KEY = 'test-bootstrap-key-0123456789';

export interface GatewayKit {
  app: FastifyInstance;
  runtime: QueueRuntime;
  store: ArtifactStore;
  redis: LocalRedis;
  work: string;
  /** Staging directory of uploads (must be empty after every request). */
  tempDir: string;
  episode: ArchiveEntry[];
  close(): Promise<void>;
}

/** A gateway on a real redis-server and a real store (fs by default), with a small simulated episode ready to upload. */
export async function startGatewayKit(
  options: { store?: StoreConfig; limits?: Partial<UploadLimits> } = {},
): Promise<GatewayKit> {
  const work = await mkdtemp(join(tmpdir(), 'gsdyn-gateway-test-'));
  const redis = await startLocalRedis();
  const config = loadConfig({ GSDYN_REDIS_URL: redis.url, GSDYN_STORE_DIR: join(work, 'store') });
  const runtime = createQueueRuntime(queueSettingsFromConfig(config));
  const store = await openArtifactStore(options.store ?? config.store);
  const tempDir = join(work, 'staging');
  const app = await buildGateway({
    runtime,
    store,
    bootstrapApiKey: ADMIN_KEY,
    tempDir,
    limits: {
      maxUploadBytes: 4 * 1024 * 1024,
      maxFileBytes: 1024 * 1024,
      maxExtractedBytes: 8 * 1024 * 1024,
      maxFiles: 200,
      ...options.limits,
    },
  });
  const episode = await tinyEpisodeEntries(work);
  return {
    app,
    runtime,
    store,
    redis,
    work,
    tempDir,
    episode,
    async close() {
      await app.close();
      await runtime.close();
      await redis.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}

export function upload(
  app: FastifyInstance,
  key: string | undefined,
  data: Buffer | undefined,
  filename = 'capture.tar',
) {
  const { payload, headers } = multipartBody(data ? { field: 'file', filename, data } : undefined);
  return app.inject({
    method: 'POST',
    url: '/v1/captures',
    payload,
    headers: { ...headers, ...(key ? { 'x-api-key': key } : {}) },
  });
}

/** Files left in the upload staging directory (nothing may stay behind after a request). */
export async function stagingLeftovers(tempDir: string): Promise<string[]> {
  try {
    return await readdir(tempDir);
  } catch {
    return [];
  }
}

/** Replaces one entry's bytes (by name suffix). */
export function withEntry(entries: readonly ArchiveEntry[], suffix: string, data: Buffer): ArchiveEntry[] {
  return entries.map((e) => (e.name.endsWith(suffix) ? { ...e, data } : e));
}

export function manifestOf(entries: readonly ArchiveEntry[]): Record<string, unknown> {
  const m = entries.find((e) => e.name.endsWith('/episode.json'));
  if (!m?.data) throw new Error('no episode.json');
  return JSON.parse(m.data.toString('utf8')) as Record<string, unknown>;
}
