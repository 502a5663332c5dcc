import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareEpisodeNames, splitEpisodes, trainEpisodeCount } from '../../src/dataset/split.js';

test('the first 80% of the sorted episodes train, at least one validates from two episodes on', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 9, 10, 40].map((n) => [n, trainEpisodeCount(n)]),
    [
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 4],
      [9, 7],
      [10, 8],
      [40, 32],
    ],
  );
  assert.equal(trainEpisodeCount(0), 0);
  for (let n = 2; n <= 100; n++) assert.ok(trainEpisodeCount(n) < n && trainEpisodeCount(n) >= 1);
});

test('splitEpisodes ranks names in natural order whatever the input order', () => {
  assert.deepEqual(splitEpisodes(['ep_10', 'ep_2', 'ep_1']), ['validation', 'train', 'train']);
  assert.deepEqual(
    splitEpisodes(['episode_004', 'episode_000', 'episode_003', 'episode_001', 'episode_002']),
    ['validation', 'train', 'train', 'train', 'train'],
  );
  assert.deepEqual(splitEpisodes(['only']), ['train']);
  assert.ok(compareEpisodeNames('rope-9', 'rope-10') < 0);
  assert.ok(compareEpisodeNames('a', 'a') === 0);
});
