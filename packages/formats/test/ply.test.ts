import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import {
  encodePointCloudPly,
  formatFloat32,
  type PointCloud,
  parsePly,
  pointCloudFromPly,
  readPointCloud,
  writePointCloud,
} from '../src/ply.js';

const ascii = (s: string) => new TextEncoder().encode(s);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function randomCloud(count: number, seed: number, withColors: boolean): PointCloud {
  const rng = new Random(seed);
  const positions = Float32Array.from({ length: 3 * count }, () => rng.normal() * 0.3);
  const cloud: PointCloud = { count, positions };
  if (withColors) cloud.colors = Uint8Array.from({ length: 3 * count }, () => rng.int(256));
  return cloud;
}

test('point clouds round-trip exactly through binary and ascii PLY, float and double', () => {
  for (const withColors of [true, false]) {
    const cloud = randomCloud(257, withColors ? 1 : 2, withColors);
    for (const format of ['binary_little_endian', 'ascii'] as const) {
      for (const double of [false, true]) {
        const bytes = encodePointCloudPly(cloud, { format, double });
        const ply = parsePly(bytes, 'cloud.ply');
        assert.equal(ply.format, format);
        assert.equal(ply.elements[0].properties[0].type, double ? 'double' : 'float');
        const back = pointCloudFromPly(ply);
        assert.equal(back.count, cloud.count);
        assert.deepEqual(back.positions, cloud.positions, `${format} double=${double}`);
        assert.deepEqual(back.colors, cloud.colors);
      }
    }
  }
  const empty = pointCloudFromPly(
    parsePly(encodePointCloudPly({ count: 0, positions: new Float32Array(0) })),
  );
  assert.equal(empty.count, 0);
});

test('binary PLY with double x/y/z and uchar rgb (the gs-dynamics pcd.ply layout)', () => {
  const n = 3491;
  const header = ascii(
    [
      'ply',
      'format binary_little_endian 1.0',
      'comment Created by Open3D',
      `element vertex ${n}`,
      'property double x',
      'property double y',
      'property double z',
      'property uchar red',
      'property uchar green',
      'property uchar blue',
      'end_header',
      '',
    ].join('\n'),
  );
  const body = new Uint8Array(n * 27);
  const view = new DataView(body.buffer);
  for (let i = 0; i < n; i++) {
    view.setFloat64(27 * i, 0.001 * i, true);
    view.setFloat64(27 * i + 8, -0.5 + 1e-4 * i, true);
    view.setFloat64(27 * i + 16, 0.25, true);
    body[27 * i + 24] = i % 256;
    body[27 * i + 25] = (i * 7) % 256;
    body[27 * i + 26] = 255 - (i % 256);
  }
  const ply = parsePly(concat(header, body), 'pcd.ply');
  assert.deepEqual(ply.comments, ['Created by Open3D']);
  const cloud = pointCloudFromPly(ply, 'pcd.ply');
  assert.equal(cloud.count, n);
  for (const i of [0, 1, 1000, n - 1]) {
    assert.equal(cloud.positions[3 * i], Math.fround(0.001 * i));
    assert.equal(cloud.positions[3 * i + 1], Math.fround(-0.5 + 1e-4 * i));
    assert.equal(cloud.positions[3 * i + 2], 0.25);
    assert.deepEqual(Array.from(cloud.colors?.subarray(3 * i, 3 * i + 3) ?? []), [
      i % 256,
      (i * 7) % 256,
      255 - (i % 256),
    ]);
  }
  // Cut one byte off the end: the error names the file, the element and the bytes it needed.
  const truncated = concat(header, body.subarray(0, body.length - 1));
  assert.throws(
    () => parsePly(truncated, 'pcd.ply'),
    (err: Error) => {
      assert.match(err.message, /^pcd\.ply: PLY file is truncated/);
      assert.match(err.message, /element 'vertex' needs 3491 rows x 27 bytes = 94257 bytes/);
      assert.match(
        err.message,
        new RegExp(
          `only 94256 bytes remain \\(expected a file of at least ${header.length + 94257} bytes\\)`,
        ),
      );
      return true;
    },
  );
});

test('hand-written ascii file with comments, a face element with lists, and a trailing element', () => {
  const text = [
    'ply',
    'format ascii 1.0',
    'comment made by hand',
    'comment   second comment',
    'obj_info ignored',
    'element vertex 3',
    'property float x',
    'property float y',
    'property float z',
    'property float red',
    'property float green',
    'property float blue',
    'element face 2',
    'property list uchar int vertex_indices',
    'property uchar flags',
    'element marker 1',
    'property int32 id',
    'end_header',
    '0 0 0  1 0.5 0',
    '1.5 -2 3e-3 0 1 0.2',
    '-1 nan inf 0 0 1',
    '3 0 1 2 7',
    '4 0 1 2 0 9',
    '42',
    '',
  ].join('\n');
  const ply = parsePly(ascii(text), 'hand.ply');
  assert.equal(ply.format, 'ascii');
  assert.deepEqual(ply.comments, ['made by hand', '  second comment']);
  assert.deepEqual(
    ply.elements.map((e) => [e.name, e.count]),
    [
      ['vertex', 3],
      ['face', 2],
      ['marker', 1],
    ],
  );
  assert.deepEqual(ply.elements[1].properties[0], {
    name: 'vertex_indices',
    type: 'list',
    countType: 'uchar',
    itemType: 'int',
  });
  assert.deepEqual(Array.from(ply.elements[1].columns.flags), [7, 9]);
  assert.deepEqual(Object.keys(ply.elements[1].columns), ['flags']);
  assert.deepEqual(Array.from(ply.elements[2].columns.id), [42]);
  const cloud = pointCloudFromPly(ply);
  assert.deepEqual(Array.from(cloud.positions.subarray(0, 6)), [0, 0, 0, 1.5, -2, Math.fround(3e-3)]);
  assert.ok(Number.isNaN(cloud.positions[7]) && cloud.positions[8] === Number.POSITIVE_INFINITY);
  // Float colours in 0..1 are scaled to bytes.
  assert.deepEqual(Array.from(cloud.colors ?? []), [255, 128, 0, 0, 255, 51, 0, 0, 255]);

  assert.throws(
    () => parsePly(ascii(text.replace('42\n', '')), 'hand.ply'),
    /hand\.ply: PLY ascii body is truncated: element 'marker' row 0/,
  );
  assert.throws(
    () => parsePly(ascii(text.replace('3 0 1 2 7', '3 0 x 2 7')), 'hand.ply'),
    /element 'face' row 0 property 'vertex_indices': 'x' is not an integer/,
  );
});

test('binary big-endian file with every scalar type, lists, and r/g/b colours', () => {
  const types: [string, number, (v: DataView, o: number, x: number) => void, number][] = [
    ['char', 1, (v, o, x) => v.setInt8(o, x), -5],
    ['uchar', 1, (v, o, x) => v.setUint8(o, x), 200],
    ['short', 2, (v, o, x) => v.setInt16(o, x), -1234],
    ['ushort', 2, (v, o, x) => v.setUint16(o, x), 60000],
    ['int', 4, (v, o, x) => v.setInt32(o, x), -123456789],
    ['uint', 4, (v, o, x) => v.setUint32(o, x), 4000000000],
    ['float', 4, (v, o, x) => v.setFloat32(o, x), 1.5],
    ['double', 8, (v, o, x) => v.setFloat64(o, x), 1e-300],
    ['int8', 1, (v, o, x) => v.setInt8(o, x), -128],
    ['uint8', 1, (v, o, x) => v.setUint8(o, x), 255],
    ['int16', 2, (v, o, x) => v.setInt16(o, x), 32767],
    ['uint16', 2, (v, o, x) => v.setUint16(o, x), 65535],
    ['int32', 4, (v, o, x) => v.setInt32(o, x), -2147483648],
    ['uint32', 4, (v, o, x) => v.setUint32(o, x), 4294967295],
    ['float32', 4, (v, o, x) => v.setFloat32(o, x), -0.25],
    ['float64', 8, (v, o, x) => v.setFloat64(o, x), Math.PI],
  ];
  const lines = ['ply', 'format binary_big_endian 1.0', 'element thing 2'];
  for (const [t] of types) lines.push(`property ${t} p_${t}`);
  lines.push('element face 2', 'property list uint8 uint32 idx', 'element vertex 2');
  lines.push(
    'property float x',
    'property float y',
    'property float z',
    'property uchar r',
    'property uchar g',
    'property uchar b',
  );
  lines.push('end_header', '');
  const rowSize = types.reduce((n, t) => n + t[1], 0);
  const thing = new Uint8Array(2 * rowSize);
  const tv = new DataView(thing.buffer);
  for (let row = 0; row < 2; row++) {
    let o = row * rowSize;
    for (const [, size, set, value] of types) {
      set(tv, o, value);
      o += size;
    }
  }
  // face 0: 3 indices, face 1: 1 index.
  const face = new Uint8Array(1 + 12 + 1 + 4);
  const fv = new DataView(face.buffer);
  face[0] = 3;
  fv.setUint32(1, 10);
  fv.setUint32(5, 11);
  fv.setUint32(9, 12);
  face[13] = 1;
  fv.setUint32(14, 13);
  const vertex = new Uint8Array(2 * 15);
  const vv = new DataView(vertex.buffer);
  for (let i = 0; i < 2; i++) {
    vv.setFloat32(15 * i, i + 0.5);
    vv.setFloat32(15 * i + 4, -i);
    vv.setFloat32(15 * i + 8, 2 * i);
    vertex.set([10 * i, 20 * i, 30 * i], 15 * i + 12);
  }
  const bytes = concat(ascii(lines.join('\n')), thing, face, vertex);
  const ply = parsePly(bytes, 'be.ply');
  assert.equal(ply.format, 'binary_big_endian');
  for (const [t, , , value] of types) {
    const expected = t === 'float' || t === 'float32' ? Math.fround(value) : value;
    assert.deepEqual(Array.from(ply.elements[0].columns[`p_${t}`]), [expected, expected], t);
  }
  const cloud = pointCloudFromPly(ply);
  assert.deepEqual(Array.from(cloud.positions), [0.5, -0, 0, 1.5, -1, 2]);
  assert.deepEqual(Array.from(cloud.colors ?? []), [0, 0, 0, 10, 20, 30]);
  // The list element is parsed past even when its last row is cut.
  assert.throws(
    () => parsePly(concat(ascii(lines.join('\n')), thing, face.subarray(0, 16)), 'be.ply'),
    /be\.ply: PLY file is truncated in element 'face' row 1 property 'idx'/,
  );
});

test('header and content errors name the file and what was expected', () => {
  assert.throws(() => parsePly(ascii('PK\x03\x04'), 'a.zip'), /a\.zip: not a PLY file/);
  assert.throws(
    () => parsePly(ascii('ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\n'), 'h.ply'),
    /h\.ply: PLY header has no 'end_header' line/,
  );
  assert.throws(
    () =>
      parsePly(ascii('ply\nformat ascii 1.0\nelement vertex 1\nproperty half x\nend_header\n1\n'), 'h.ply'),
    /h\.ply: PLY header line 4 "property half x": unknown type 'half'/,
  );
  assert.throws(
    () => parsePly(ascii('ply\nformat binary_middle_endian 1.0\nend_header\n'), 'h.ply'),
    /h\.ply: PLY header line 2 .*expected format ascii/,
  );
  const noZ = parsePly(
    ascii('ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nend_header\n1 2\n'),
  );
  assert.throws(
    () => pointCloudFromPly(noZ, 'noz.ply'),
    /noz\.ply: PLY element 'vertex' has no property 'z'/,
  );
  assert.throws(
    () => encodePointCloudPly({ count: 2, positions: new Float32Array(5) }),
    /positions has 5 values, expected 3 x 2/,
  );
});

test('formatFloat32 writes the shortest decimal that reads back as the same float32', () => {
  assert.equal(formatFloat32(Math.fround(0.1)), '0.1');
  assert.equal(formatFloat32(Math.fround(1 / 3)), '0.33333334');
  assert.equal(formatFloat32(-0), '0');
  const rng = new Random(5);
  for (let i = 0; i < 2000; i++) {
    const v = Math.fround(rng.normal() * 10 ** rng.int(20) * 10 ** -10);
    assert.equal(Math.fround(Number(formatFloat32(v))), v);
  }
});

test('readPointCloud / writePointCloud round-trip through a file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gsdyn-ply-'));
  try {
    const cloud = randomCloud(50, 9, true);
    const path = join(dir, 'points.ply');
    await writePointCloud(path, cloud);
    assert.deepEqual(await readPointCloud(path), cloud);
    await writeFile(
      join(dir, 'bad.ply'),
      'ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nend_header\n1\n',
    );
    await assert.rejects(readPointCloud(join(dir, 'bad.ply')), /bad\.ply: PLY ascii body is truncated/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
