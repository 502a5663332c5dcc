/**
 * The train/validation split of the reference (reference-implementation.md 4.4): episodes sorted, the first 80%
 * train and the rest validation. The reference takes floor(0.8 n) for training, which leaves a lone episode with
 * nothing to train on; here one episode trains, and any n >= 2 keeps at least one for validation.
 */
export type DatasetSplit = 'train' | 'validation';

export const TRAIN_FRACTION = 0.8;

/** Natural order (`episode_2` before `episode_10`), deterministic across locales. */
export function compareEpisodeNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Number of training episodes out of n (sorted): the first ones. */
export function trainEpisodeCount(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`trainEpisodeCount: n must be >= 0, got ${n}`);
  return n === 1 ? 1 : Math.floor(TRAIN_FRACTION * n);
}

/** The split of each of `names` (any order), by its rank in sorted order. */
export function splitEpisodes(names: readonly string[]): DatasetSplit[] {
  const order = names.map((_, i) => i).sort((i, j) => compareEpisodeNames(names[i], names[j]));
  const train = trainEpisodeCount(names.length);
  const splits: DatasetSplit[] = new Array(names.length);
  order.forEach((i, rank) => {
    splits[i] = rank < train ? 'train' : 'validation';
  });
  return splits;
}
