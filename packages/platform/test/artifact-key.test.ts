import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertArtifactKey,
  assertArtifactPrefix,
  contentKey,
  isArtifactKey,
  joinKey,
  sha256Hex,
} from '../src/index.js';

test('artifact keys are relative "/"-separated paths that cannot escape', () => {
  for (const good of ['a', 'a/b.c', 'owners/lab-1/captures/c_2/frame 000.png', '.hidden/x', 'é/ü'])
    assert.equal(isArtifactKey(good), true, good);
  for (const bad of [
    '',
    '/a',
    'a/',
    'a//b',
    '.',
    '..',
    'a/../b',
    './a',
    'a\\b',
    'a\nb',
    '\u0000',
    '.gsdyn-tmp/x',
    'x'.repeat(1025),
  ])
    assert.equal(isArtifactKey(bad), false, JSON.stringify(bad));
  assert.throws(
    () => assertArtifactKey('a/../b'),
    /artifact key "a\/..\/b": expected "\/"-separated segments/,
  );
  assert.equal(assertArtifactPrefix(''), '');
  assert.equal(assertArtifactPrefix('a/b/'), 'a/b/');
  assert.throws(() => assertArtifactPrefix('a//'), RangeError);
});

test('joinKey drops stray slashes at the joins and validates the result', () => {
  assert.equal(joinKey('owners/', '/lab', 'captures/c1/'), 'owners/lab/captures/c1');
  assert.equal(joinKey('a', '', 'b'), 'a/b');
  assert.throws(() => joinKey('a', '..', 'b'), RangeError);
});

test('content keys are the sha256 of the bytes under the prefix', () => {
  const digest = sha256Hex('abc');
  assert.equal(digest, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(contentKey('blobs', digest, '.npy'), `blobs/sha256/${digest}.npy`);
  assert.throws(() => contentKey('blobs', 'ABC'), /expected 64 hex digits/);
  assert.throws(() => contentKey('blobs', digest, 'npy'), /extension/);
});
