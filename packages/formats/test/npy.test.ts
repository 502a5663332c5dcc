import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import {
  encodeNpy,
  type NdArray,
  type NdData,
  type NdDtype,
  ndarray,
  parseNpy,
  readNpy,
  toFloat64Array,
  writeNpy,
} from '../src/npy.js';

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A .npy file assembled by hand: magic, version, header length, the header padded as numpy pads it, data. */
function handMade(dict: string, body: Uint8Array, version: 1 | 2 | 3 = 1, shift = 0): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = `${dict}${' '.repeat(total - prefix - dict.length - 1)}\n`;
  const out = new Uint8Array(shift + total + body.length);
  out.set(latin1('\x93NUMPY'), shift);
  out[shift + 6] = version;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(shift + 8, header.length, true);
  else view.setUint32(shift + 8, header.length, true);
  out.set(latin1(header), shift + prefix);
  out.set(body, shift + total);
  return out.subarray(shift);
}

test('encodeNpy writes exactly the bytes numpy writes for a (2, 3) float32 array', () => {
  const data = Float32Array.of(1, 2, 3, 4, 5, 6);
  const bytes = encodeNpy(ndarray('float32', [2, 3], data));
  // numpy >= 1.23: dict, 20 spaces of growth room for the first axis, padding to 128 bytes, '\n'.
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }${' '.repeat(20)}`;
  const header = `${dict}${' '.repeat(128 - 10 - dict.length - 1)}\n`;
  assert.equal((10 + header.length) % 64, 0);
  const expected = new Uint8Array(128 + 24);
  expected.set(latin1('\x93NUMPY\x01\x00'), 0);
  expected[8] = header.length & 0xff;
  expected[9] = header.length >> 8;
  expected.set(latin1(header), 10);
  expected.set(new Uint8Array(data.buffer), 128);
  assert.deepEqual(bytes, expected);
});

test('encodeNpy matches numpy headers for 0-d, 1-d and empty arrays', () => {
  const headerOf = (a: NdArray) => {
    const bytes = encodeNpy(a);
    const length = bytes[8] | (bytes[9] << 8);
    return String.fromCharCode(...bytes.subarray(10, 10 + length)).trimEnd();
  };
  assert.equal(
    headerOf(ndarray('float64', [], Float64Array.of(3))),
    "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
  );
  assert.equal(
    headerOf(ndarray('uint8', [5], new Uint8Array(5))),
    "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }",
  );
  assert.equal(
    headerOf(ndarray('bool', [0, 4], new Uint8Array(0))),
    "{'descr': '|b1', 'fortran_order': False, 'shape': (0, 4), }",
  );
});

test('parses big-endian, Fortran-order, v2, v3 and unaligned files built by hand', () => {
  const be = new Uint8Array(16);
  new DataView(be.buffer).setFloat64(0, 1.5, false);
  new DataView(be.buffer).setFloat64(8, -2.25, false);
  const a = parseNpy(handMade("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", be));
  assert.equal(a.dtype, 'float64');
  assert.deepEqual(Array.from(a.data as Float64Array), [1.5, -2.25]);

  // Fortran order: a 2x3 matrix [[0,1,2],[3,4,5]] stored column by column.
  const f = Int32Array.of(0, 3, 1, 4, 2, 5);
  const fo = parseNpy(
    handMade("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", new Uint8Array(f.buffer)),
  );
  assert.deepEqual(fo.shape, [2, 3]);
  assert.deepEqual(Array.from(fo.data as Int32Array), [0, 1, 2, 3, 4, 5]);

  // Fortran order in 3-d, big-endian int16: element (i,j,k) = 100i + 10j + k at offset i + 2j + 6k.
  const shape = [2, 3, 4];
  const body = new Uint8Array(2 * 24);
  const dv = new DataView(body.buffer);
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 4; k++) dv.setInt16(2 * (i + 2 * j + 6 * k), 100 * i + 10 * j + k, false);
  const f3 = parseNpy(handMade("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3, 4), }", body));
  assert.deepEqual(f3.shape, shape);
  const expected: number[] = [];
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expected.push(100 * i + 10 * j + k);
  assert.deepEqual(Array.from(f3.data as Int16Array), expected);

  const u4 = Uint32Array.of(7, 8, 9);
  for (const version of [2, 3] as const) {
    const v = parseNpy(
      handMade(
        "{'descr': '<u4', 'fortran_order': False, 'shape': (3,), }",
        new Uint8Array(u4.buffer),
        version,
      ),
    );
    assert.deepEqual(Array.from(v.data as Uint32Array), [7, 8, 9]);
  }

  // A file whose bytes start at an odd offset of their buffer: the typed array must still be built.
  const odd = handMade(
    "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
    new Uint8Array(Float32Array.of(1, 2, 3).buffer),
    1,
    1,
  );
  assert.equal(odd.byteOffset, 1);
  assert.deepEqual(Array.from(parseNpy(odd).data as Float32Array), [1, 2, 3]);

  const zeroD = parseNpy(
    handMade(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
      new Uint8Array(Float32Array.of(3.5).buffer),
    ),
  );
  assert.deepEqual(zeroD.shape, []);
  assert.deepEqual(Array.from(zeroD.data as Float32Array), [3.5]);

  const empty = parseNpy(
    handMade("{'descr': '<u2', 'fortran_order': False, 'shape': (0, 3), }", new Uint8Array(0)),
  );
  assert.deepEqual(empty.shape, [0, 3]);
  assert.equal(empty.data.length, 0);

  // Python 2 numpy wrote long integers with an L suffix.
  const old = parseNpy(
    handMade("{'descr': '|u1', 'fortran_order': False, 'shape': (2L,), }", Uint8Array.of(4, 5)),
  );
  assert.deepEqual(Array.from(old.data as Uint8Array), [4, 5]);
});

function randomArray(dtype: NdDtype, shape: number[], rng: Random): NdArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const make = (): NdData => {
    switch (dtype) {
      case 'float32':
        return Float32Array.from({ length: n }, () => rng.normal() * 1e3);
      case 'float64':
        return Float64Array.from({ length: n }, () => rng.normal() * 1e-3);
      case 'uint8':
        return Uint8Array.from({ length: n }, () => rng.int(256));
      case 'bool':
        return Uint8Array.from({ length: n }, () => rng.int(2));
      case 'int8':
        return Int8Array.from({ length: n }, () => rng.int(256) - 128);
      case 'uint16':
        return Uint16Array.from({ length: n }, () => rng.int(65536));
      case 'int16':
        return Int16Array.from({ length: n }, () => rng.int(65536) - 32768);
      case 'uint32':
        return Uint32Array.from({ length: n }, () => Math.floor(rng.next() * 2 ** 32));
      case 'int32':
        return Int32Array.from({ length: n }, () => Math.floor(rng.next() * 2 ** 32) - 2 ** 31);
      case 'int64':
        return BigInt64Array.from(
          { length: n },
          () => BigInt(Math.floor(rng.next() * 2 ** 40)) * 4096n - 2n ** 51n,
        );
      case 'uint64':
        return BigUint64Array.from({ length: n }, () => BigInt(Math.floor(rng.next() * 2 ** 40)) * 2n ** 23n);
    }
  };
  return ndarray(dtype, shape, make());
}

const ALL_DTYPES: NdDtype[] = [
  'float32',
  'float64',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'uint32',
  'int32',
  'int64',
  'uint64',
  'bool',
];

test('every dtype round-trips through encode/parse, for several shapes', () => {
  const rng = new Random(11);
  for (const dtype of ALL_DTYPES) {
    for (const shape of [[], [7], [3, 5], [2, 0, 4], [2, 3, 2, 2]]) {
      const a = randomArray(dtype, shape, rng);
      const b = parseNpy(encodeNpy(a), `${dtype}.npy`);
      assert.equal(b.dtype, dtype);
      assert.deepEqual(b.shape, shape);
      assert.equal(b.data.constructor, a.data.constructor);
      assert.deepEqual(b.data, a.data);
      const bytes = encodeNpy(a);
      assert.equal((10 + (bytes[8] | (bytes[9] << 8))) % 64, 0, 'data must start on a 64-byte boundary');
    }
  }
});

test('big-endian files read back the same values as little-endian ones for every multi-byte dtype', () => {
  const rng = new Random(12);
  for (const dtype of ALL_DTYPES) {
    const a = randomArray(dtype, [4, 3], rng);
    const le = encodeNpy(a);
    // Rewrite the header descr to big-endian and swap every element's bytes.
    const headerLength = le[8] | (le[9] << 8);
    const header = String.fromCharCode(...le.subarray(10, 10 + headerLength));
    const size = a.data.BYTES_PER_ELEMENT;
    if (size === 1) continue;
    const body = le.slice(10 + headerLength);
    for (let i = 0; i < body.length; i += size) body.subarray(i, i + size).reverse();
    const be = new Uint8Array(le.length);
    be.set(le.subarray(0, 10));
    be.set(latin1(header.replace("'<", "'>")), 10);
    be.set(body, 10 + headerLength);
    const b = parseNpy(be);
    assert.deepEqual(b.data, a.data, dtype);
  }
});

test('unsupported dtypes are rejected naming the file and the descr', () => {
  const cases: [string, RegExp][] = [
    ["'|O'", /obj\.npy: unsupported dtype descr '\|O' \(object arrays/],
    ["'<U5'", /obj\.npy: unsupported dtype descr '<U5' \(unicode/],
    ["'<c8'", /unsupported dtype descr '<c8' \(complex/],
    ["'<f2'", /unsupported dtype descr '<f2' \(no matching dtype\)/],
    ["[('x', '<f4'), ('y', '<i2')]", /obj\.npy: unsupported dtype descr .*structured/],
  ];
  for (const [descr, pattern] of cases) {
    const bytes = handMade(
      `{'descr': ${descr}, 'fortran_order': False, 'shape': (1,), }`,
      new Uint8Array(32),
    );
    assert.throws(() => parseNpy(bytes, 'obj.npy'), pattern);
  }
});

test('malformed files are rejected with what was expected', () => {
  const good = encodeNpy(ndarray('float32', [4], new Float32Array(4)));
  assert.throws(
    () => parseNpy(good.subarray(0, good.length - 1), 'short.npy'),
    /short\.npy: .*truncated.*needs 16 bytes.*found 15/,
  );
  assert.throws(() => parseNpy(latin1('PK\x03\x04 not numpy'), 'x.npz'), /x\.npz: not a \.npy file/);
  const v9 = good.slice();
  v9[6] = 9;
  assert.throws(() => parseNpy(v9, 'v9.npy'), /v9\.npy: unsupported \.npy format version 9\.0/);
  assert.throws(
    () => parseNpy(handMade("{'descr': '<f4', 'shape': (1,), }", new Uint8Array(4)), 'nokey.npy'),
    /nokey\.npy: \.npy header has no 'fortran_order' key/,
  );
  assert.throws(
    () =>
      parseNpy(
        handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2), }", new Uint8Array(4)),
        'neg.npy',
      ),
    /neg\.npy: .*shape.*non-negative/,
  );
});

test('ndarray checks the data type and length against dtype and shape', () => {
  assert.throws(
    () => ndarray('float32', [2, 2], new Float64Array(4)),
    /data is a Float64Array, expected a Float32Array/,
  );
  assert.throws(
    () => ndarray('int64', [3], new BigInt64Array(2)),
    /data has 2 elements, shape \(3\) needs 3/,
  );
  assert.throws(() => ndarray('uint8', [1.5], new Uint8Array(1)), /non-negative integers/);
  assert.deepEqual(ndarray('bool', [], Uint8Array.of(1)).shape, []);
});

test('toFloat64Array converts every numeric dtype', () => {
  assert.deepEqual(Array.from(toFloat64Array(ndarray('int64', [3], BigInt64Array.of(-3n, 2n ** 40n, 0n)))), [
    -3,
    2 ** 40,
    0,
  ]);
  assert.deepEqual(Array.from(toFloat64Array(ndarray('uint16', [2], Uint16Array.of(65535, 1)))), [65535, 1]);
  assert.deepEqual(Array.from(toFloat64Array(ndarray('float32', [1], Float32Array.of(0.5)))), [0.5]);
  assert.deepEqual(Array.from(toFloat64Array(ndarray('bool', [2], Uint8Array.of(1, 0)))), [1, 0]);
});

test('readNpy / writeNpy round-trip through a file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gsdyn-npy-'));
  try {
    const a = randomArray('float32', [10, 3], new Random(3));
    const path = join(dir, 'points.npy');
    await writeNpy(path, a);
    assert.deepEqual(await readNpy(path), a);
    await assert.rejects(readNpy(join(dir, 'missing.npy')), /missing\.npy/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('parseNpy reads a Node Buffer that is a view into a larger pooled allocation', () => {
  const encoded = encodeNpy(ndarray('float32', [3], Float32Array.from([1.5, -2, 3.25])));
  // Buffer.from(string) and small reads come from Node's shared pool: the bytes sit at an offset in a bigger ArrayBuffer.
  const pooled = Buffer.concat([Buffer.from('padding-before'), Buffer.from(encoded)]).subarray(14);
  assert.ok(pooled.byteOffset > 0 || pooled.buffer.byteLength > pooled.length);
  assert.deepEqual(Array.from(parseNpy(pooled).data as Float32Array), [1.5, -2, 3.25]);
});
