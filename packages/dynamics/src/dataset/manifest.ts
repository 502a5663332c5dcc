import { z } from 'zod';
import { DYNAMICS_OBJECTS, type DynamicsObject } from '../object-config.js';
import { EPISODE_NAME_PATTERN, MAX_DATASET_PARTICLES } from './episode-source.js';

/**
 * A dynamics dataset directory: what `gsdyn dataset` writes and training reads.
 *
 *   dataset.json                          manifest (below)
 *   episodes/<name>/particles.npy         float32 (T, P, 3): tracked particles, world metres, P <= 1000
 *   episodes/<name>/end_effector.npy      float32 (T, 3): the pusher tip at every frame
 *   episodes/<name>/windows.npy           int32 (W, history + horizon): frame indices of each training window
 *
 * Episodes are listed in sorted order; the first 80% are `train`, the rest `validation` (split.ts).
 */
export const DATASET_MANIFEST_FILE = 'dataset.json';
export const DATASET_FORMAT = 'gsdyn.dynamics-dataset';
export const DATASET_VERSION = 1;

export const DATASET_SOURCES = ['tracks', 'truth', 'sim', 'other'] as const;
export type DatasetSourceKind = (typeof DATASET_SOURCES)[number];

export const DatasetEpisodeEntrySchema = z.strictObject({
  name: z.string().regex(EPISODE_NAME_PATTERN, 'expected letters, digits, _ . - (a directory name)'),
  split: z.enum(['train', 'validation']),
  frames: z.number().int().positive(),
  particles: z.number().int().positive().max(MAX_DATASET_PARTICLES),
  windows: z.number().int().nonnegative(),
  /** Windows that needed padding (kept under padding 'repeat'; under 'drop' they are not in `windows`). */
  paddedWindows: z.number().int().nonnegative(),
  origin: z.record(z.string(), z.unknown()),
});

export const DatasetManifestSchema = z
  .strictObject({
    format: z.literal(DATASET_FORMAT),
    version: z.literal(DATASET_VERSION),
    object: z.enum(DYNAMICS_OBJECTS as readonly [DynamicsObject, ...DynamicsObject[]]),
    source: z.enum(DATASET_SOURCES),
    windows: z.strictObject({
      stepDistance: z.number().positive(),
      history: z.number().int().positive(),
      horizon: z.number().int().positive(),
      padding: z.enum(['repeat', 'drop']),
    }),
    /** How the particles were made (filters, point counts). */
    preprocessing: z.record(z.string(), z.unknown()),
    episodes: z.array(DatasetEpisodeEntrySchema).min(1, 'expected at least one episode'),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.episodes.forEach((e, i) => {
      if (seen.has(e.name))
        ctx.addIssue({
          code: 'custom',
          path: ['episodes', i, 'name'],
          message: `duplicate episode ${e.name}`,
        });
      seen.add(e.name);
    });
  });

export type DatasetManifest = z.infer<typeof DatasetManifestSchema>;
export type DatasetEpisodeEntry = z.infer<typeof DatasetEpisodeEntrySchema>;

/** Relative paths of an episode's arrays. */
export function episodeFiles(name: string): { particles: string; endEffector: string; windows: string } {
  const dir = `episodes/${name}`;
  return {
    particles: `${dir}/particles.npy`,
    endEffector: `${dir}/end_effector.npy`,
    windows: `${dir}/windows.npy`,
  };
}
