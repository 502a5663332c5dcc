import { mkdir } from 'node:fs/promises';
import type { StoreConfig } from '../config/load-config.js';
import type { ArtifactStore } from './artifact-store.js';
import { FsArtifactStore } from './fs-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

/** The store the configuration names, ready to use: the fs root exists, the S3 bucket exists. */
export async function openArtifactStore(config: StoreConfig): Promise<ArtifactStore> {
  if (config.kind === 'fs') {
    await mkdir(config.dir, { recursive: true });
    return new FsArtifactStore(config.dir);
  }
  const store = new S3ArtifactStore(config);
  await store.ensureBucket();
  return store;
}
