import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { encodeNpy, ndarray } from '../src/npy.js';
import { encodeNpz, parseNpz, readNpz, writeNpz } from '../src/npz.js';

// Written by numpy 2.4: np.savez(f, points=np.arange(6, dtype='<f4').reshape(2, 3) / 4, ids=np.array([1, -2, 3]))
// (stored entries with zip64 local headers, as numpy writes them).
const NUMPY_SAVEZ =
  'UEsDBC0AAAAAAAAAIQAKnACk//////////8KABQAcG9pbnRzLm5weQEAEACYAAAAAAAAAJgAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPgAAAD8AAEA/AACAPwAAoD9QSwMELQAAAAAAAAAhAHSo8zD//////////wcAFABpZHMubnB5AQAQAJgAAAAAAAAAmAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8aTgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgEAAAAAAAAA/v////////8DAAAAAAAAAFBLAQItAy0AAAAAAAAAIQAKnACkmAAAAJgAAAAKAAAAAAAAAAAAAACAAQAAAABwb2ludHMubnB5UEsBAi0DLQAAAAAAAAAhAHSo8zCYAAAAmAAAAAcAAAAAAAAAAAAAAIAB1AAAAGlkcy5ucHlQSwUGAAAAAAIAAgBtAAAApQEAAAAA';

function sampleArrays(seed: number) {
  const rng = new Random(seed);
  return {
    positions: ndarray(
      'float32',
      [100, 3],
      Float32Array.from({ length: 300 }, () => rng.normal()),
    ),
    ids: ndarray('int64', [4], BigInt64Array.of(-1n, 0n, 2n ** 40n, 7n)),
    visible: ndarray('bool', [2, 2], Uint8Array.of(1, 0, 0, 1)),
    scalar: ndarray('float64', [], Float64Array.of(Math.E)),
    'camera.0/depth': ndarray('uint16', [2, 3], Uint16Array.of(0, 1, 2, 65533, 65534, 65535)),
  };
}

test('npz round-trips stored and compressed, deterministically', () => {
  const arrays = sampleArrays(1);
  for (const compress of [false, true]) {
    const bytes = encodeNpz(arrays, { compress });
    assert.deepEqual(parseNpz(bytes, 'x.npz'), arrays);
    assert.deepEqual(encodeNpz(arrays, { compress }), bytes, 'same arrays must give the same bytes');
    assert.deepEqual(
      Object.keys(unzipSync(bytes)),
      Object.keys(arrays).map((k) => `${k}.npy`),
    );
  }
  // Random floats barely compress, but the zero-filled header padding does.
  const zeros = { z: ndarray('float64', [1000], new Float64Array(1000)) };
  assert.ok(encodeNpz(zeros, { compress: true }).length < encodeNpz(zeros).length / 10);
});

test('reads a zip built by hand with fflate holding data.npy', () => {
  const data = ndarray('int16', [3], Int16Array.of(-3, 0, 3));
  const zip = zipSync({ 'data.npy': encodeNpy(data), 'sub/': {} });
  const arrays = parseNpz(zip, 'hand.npz');
  assert.deepEqual(Object.keys(arrays), ['data']);
  assert.deepEqual(arrays.data, data);
});

test('reads an archive written by numpy np.savez', () => {
  const arrays = parseNpz(new Uint8Array(Buffer.from(NUMPY_SAVEZ, 'base64')), 'numpy.npz');
  assert.deepEqual(Object.keys(arrays).sort(), ['ids', 'points']);
  assert.deepEqual(arrays.points, ndarray('float32', [2, 3], Float32Array.of(0, 0.25, 0.5, 0.75, 1, 1.25)));
  assert.deepEqual(arrays.ids, ndarray('int64', [3], BigInt64Array.of(1n, -2n, 3n)));
});

test('errors name the archive and the entry', () => {
  assert.throws(
    () => parseNpz(strToU8('not a zip at all'), 'bad.npz'),
    /bad\.npz: not a readable \.npz \(zip\) archive/,
  );
  const withText = zipSync({
    'a.npy': encodeNpy(ndarray('uint8', [1], Uint8Array.of(1))),
    'notes.txt': strToU8('hi'),
  });
  assert.throws(() => parseNpz(withText, 'mixed.npz'), /mixed\.npz: entry 'notes\.txt' is not a \.npy array/);
  const badEntry = zipSync({ 'a.npy': strToU8('garbage') });
  assert.throws(() => parseNpz(badEntry, 'e.npz'), /e\.npz\/a\.npy: not a \.npy file/);
  assert.throws(
    () => encodeNpz({ pts: { dtype: 'float32', shape: [2], data: new Float32Array(3) } }),
    /npz: array 'pts': .*data has 3 elements, shape \(2\) needs 2/,
  );
});

test('readNpz / writeNpz round-trip through a file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gsdyn-npz-'));
  try {
    const arrays = sampleArrays(2);
    const path = join(dir, 'arrays.npz');
    await writeNpz(path, arrays, { compress: true });
    assert.deepEqual(await readNpz(path), arrays);
    await writeFile(join(dir, 'junk.npz'), 'junk');
    await assert.rejects(readNpz(join(dir, 'junk.npz')), /junk\.npz: not a readable/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
