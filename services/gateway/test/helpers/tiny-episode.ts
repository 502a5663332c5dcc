import { join } from 'node:path';
import { generateEpisode } from '@gsdyn/sim';
import { type ArchiveEntry, directoryEntries } from './archives.js';

/**
 * The small simulated capture the gateway tests and the load benchmark upload (3 frames of one 32x24 camera):
 * written to `<work>/episode` and returned as archive entries under `rope-episode/`.
 */
export async function tinyEpisodeEntries(work: string): Promise<ArchiveEntry[]> {
  const dir = join(work, 'episode');
  await generateEpisode(dir, {
    kind: 'rope',
    frames: 3,
    width: 32,
    height: 24,
    views: 1,
    seed: 7,
    supersample: 1,
    surfacePoints: 32,
  });
  return directoryEntries(dir, 'rope-episode');
}
