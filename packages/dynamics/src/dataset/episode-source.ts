/**
 * One episode's input to `buildDataset`, as plain arrays: particle tracks with correspondence across frames and the
 * end effector at every frame. Where they come from (tracker output, ground truth, the simulator) is the caller's
 * business; `origin` records it in the manifest.
 */
export interface DatasetEpisodeSource {
  /** Unique within the dataset; episodes are sorted by it for the split. Letters, digits, `_`, `-`, `.`. */
  name: string;
  frames: number;
  /** Particles per frame, 1..MAX_DATASET_PARTICLES. */
  particleCount: number;
  /** frames x particleCount x 3, world metres. */
  particles: Float32Array;
  /** frames x 3, world metres: the pusher tip. */
  endEffector: Float32Array;
  /** Free-form provenance (source path, seed, filter counts). */
  origin: Record<string, unknown>;
}

/** The reference downsamples every episode to 1000 tracked points. */
export const MAX_DATASET_PARTICLES = 1000;

export const EPISODE_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Throws a RangeError naming the episode and the field when the arrays do not match the counts. */
export function checkEpisodeSource(source: DatasetEpisodeSource): void {
  const what = `episode ${JSON.stringify(source.name)}`;
  if (!EPISODE_NAME_PATTERN.test(source.name))
    throw new RangeError(`${what}: name must match ${EPISODE_NAME_PATTERN} (it names a directory)`);
  if (!Number.isInteger(source.frames) || source.frames < 1)
    throw new RangeError(`${what}: frames must be a positive integer, got ${source.frames}`);
  const p = source.particleCount;
  if (!Number.isInteger(p) || p < 1 || p > MAX_DATASET_PARTICLES)
    throw new RangeError(
      `${what}: particleCount must be an integer in [1, ${MAX_DATASET_PARTICLES}], got ${p}`,
    );
  if (source.particles.length !== source.frames * p * 3)
    throw new RangeError(
      `${what}: particles has ${source.particles.length} values, expected ${source.frames} frames x ${p} x 3`,
    );
  if (source.endEffector.length !== source.frames * 3)
    throw new RangeError(
      `${what}: endEffector has ${source.endEffector.length} values, expected ${source.frames} frames x 3`,
    );
  for (const [field, values] of [
    ['particles', source.particles],
    ['endEffector', source.endEffector],
  ] as const) {
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`${what}: ${field}[${bad}] is not finite`);
  }
}
