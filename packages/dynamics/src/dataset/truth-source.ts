import { basename, join } from 'node:path';
import { EPISODE_MANIFEST_FILE, type EpisodeManifest, readEpisode } from '@gsdyn/formats';
import { type DatasetEpisodeSource, MAX_DATASET_PARTICLES } from './episode-source.js';
import { subsampleTracks } from './track-preprocess.js';

export interface LoadedEpisodeSource {
  source: DatasetEpisodeSource;
  /** The episode's `object.kind`, when its manifest has one. */
  objectKind?: string;
}

/**
 * An episode's ground truth as a dataset episode: truth/surface_points.npy (exact tracks, so no filters), reduced by
 * farthest point sampling on frame 0 from point 0 to at most `maxPoints` (1000); with no more points than that all
 * are kept in their order, so that particle k is truth point k. The end effector comes from the manifest.
 */
export async function loadTruthEpisode(
  dir: string,
  options: { name?: string; maxPoints?: number } = {},
): Promise<LoadedEpisodeSource> {
  const episode = await readEpisode(dir);
  const manifestFile = join(episode.dir, EPISODE_MANIFEST_FILE);
  const truth = await episode.readTruth();
  if (truth === undefined)
    throw new Error(
      `${manifestFile}: truth: missing; --source truth needs truth/surface_points.npy (episodes from gsdyn sim have it)`,
    );
  const T = episode.manifest.frameCount;
  const { count, data } = truth.surfacePoints;
  const sampled = subsampleTracks(data, T, count, options.maxPoints ?? MAX_DATASET_PARTICLES);
  return {
    source: {
      name: options.name ?? basename(episode.dir),
      frames: T,
      particleCount: sampled.count,
      particles: sampled.particles,
      endEffector: endEffectorPositions(episode.manifest, manifestFile, T),
      origin: { source: 'truth', episode: episode.dir, surfacePoints: count },
    },
    ...(episode.manifest.object === undefined ? {} : { objectKind: episode.manifest.object.kind }),
  };
}

/** The first `frames` end-effector positions of an episode manifest, frames x 3; errors name the file and field. */
export function endEffectorPositions(manifest: EpisodeManifest, file: string, frames: number): Float32Array {
  const positions = manifest.endEffector?.positions;
  if (positions === undefined)
    throw new Error(
      `${file}: endEffector: missing; the dataset needs the end-effector position at every frame`,
    );
  if (positions.length < frames)
    throw new Error(
      `${file}: endEffector.positions: ${positions.length} positions, expected at least ${frames} (one per frame)`,
    );
  const out = new Float32Array(3 * frames);
  for (let t = 0; t < frames; t++) out.set(positions[t], 3 * t);
  return out;
}
