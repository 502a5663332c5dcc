import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from '../src/atomic-file.js';

test('writeFileAtomic creates parents, replaces whole, and leaves no temporary file behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gsdyn-atomic-'));
  try {
    const path = join(dir, 'a', 'b', 'out.bin');
    await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    await writeFileAtomic(path, 'replaced');
    assert.equal(await readFile(path, 'utf8'), 'replaced');
    assert.deepEqual(await readdir(join(dir, 'a', 'b')), ['out.bin']);
    // A destination that cannot be replaced (a directory) fails and cleans up its temporary file.
    await writeFile(join(dir, 'x'), '');
    await assert.rejects(writeFileAtomic(join(dir, 'a'), 'not a dir'));
    assert.deepEqual((await readdir(dir)).sort(), ['a', 'x']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
