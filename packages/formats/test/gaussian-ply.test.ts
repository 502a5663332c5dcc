import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import {
  dcFromColor,
  encodeGaussianPly,
  type GaussianCloudData,
  parseGaussianPly,
  readGaussianPly,
  SH_C0,
  writeGaussianPly,
} from '../src/gaussian-ply.js';
import { parsePlyHeader } from '../src/ply.js';

function randomCloud(count: number, shDegree: number, seed: number): GaussianCloudData {
  const rng = new Random(seed);
  const f = (n: number, scale = 1) => Float32Array.from({ length: n }, () => rng.normal() * scale);
  const rest = 3 * ((shDegree + 1) ** 2 - 1);
  const cloud: GaussianCloudData = {
    count,
    means: f(3 * count, 0.2),
    quaternions: f(4 * count),
    logScales: f(3 * count).map((v) => v - 5),
    logitOpacities: f(count, 3),
    colors: Float32Array.from({ length: 3 * count }, () => rng.uniform(-0.2, 1.2)),
    shDegree,
  };
  if (rest > 0) cloud.shRest = f(rest * count, 0.1);
  return cloud;
}

function ulp32(v: number): number {
  return 2 ** (Math.floor(Math.log2(Math.max(Math.abs(v), 2 ** -126))) - 23);
}

/**
 * Colours pass through f_dc: exact in [0.25, 1.5]; elsewhere neighbouring f_dc values are more than one
 * colour ulp apart, so the error is up to half an f_dc ulp times SH_C0 (plus the colour's own rounding).
 */
function assertColorsRoundTrip(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const c = expected[i];
    if (c >= 0.25 && c <= 1.5) assert.equal(actual[i], c, `colour ${i}`);
    else {
      const bound = 0.5 * SH_C0 * ulp32((c - 0.5) / SH_C0) + ulp32(c);
      assert.ok(Math.abs(actual[i] - c) <= bound, `colour ${i}: ${actual[i]} vs ${c}`);
    }
  }
}

/** Spec order written out by hand, independently of the module's own list. */
function specProperties(restCount: number): string[] {
  const rest: string[] = [];
  for (let k = 0; k < restCount; k++) rest.push(`f_rest_${k}`);
  return ['x', 'y', 'z', 'nx', 'ny', 'nz', 'f_dc_0', 'f_dc_1', 'f_dc_2', ...rest, 'opacity'].concat([
    'scale_0',
    'scale_1',
    'scale_2',
    'rot_0',
    'rot_1',
    'rot_2',
    'rot_3',
  ]);
}

function headerLines(bytes: Uint8Array): string[] {
  const { bodyOffset } = parsePlyHeader(bytes);
  return new TextDecoder().decode(bytes.subarray(0, bodyOffset)).split('\n');
}

test('encoded header follows the Inria layout property by property, for every SH degree', () => {
  for (const [degree, restCount] of [
    [0, 0],
    [1, 9],
    [2, 24],
    [3, 45],
  ]) {
    const bytes = encodeGaussianPly(randomCloud(5, degree, degree));
    const lines = headerLines(bytes);
    const props = specProperties(restCount);
    assert.deepEqual(lines.slice(0, 3), ['ply', 'format binary_little_endian 1.0', 'element vertex 5']);
    for (let k = 0; k < props.length; k++) {
      assert.equal(lines[3 + k], `property float ${props[k]}`, `degree ${degree} property ${k}`);
    }
    assert.deepEqual(lines.slice(3 + props.length), ['end_header', '']);
    const bodyOffset = lines.join('\n').length;
    assert.equal(bytes.length, bodyOffset + 5 * 4 * props.length);
  }
});

test('cloud -> file -> cloud is exact, colours included, and file -> cloud -> file is bit-identical', () => {
  const cloud = randomCloud(300, 3, 7);
  cloud.extra = {
    seg_0: Float32Array.from({ length: 300 }, (_, i) => i % 3),
    seg_1: new Float32Array(300).fill(-1),
  };
  const bytes = encodeGaussianPly(cloud);
  const back = parseGaussianPly(bytes, 'cloud.ply');
  assert.equal(back.count, 300);
  assert.equal(back.shDegree, 3);
  for (const key of ['means', 'quaternions', 'logScales', 'logitOpacities', 'shRest'] as const) {
    assert.deepEqual(back[key], cloud[key], key);
  }
  assertColorsRoundTrip(back.colors, cloud.colors);
  assert.deepEqual(back.extra, cloud.extra);
  assert.deepEqual(headerLines(bytes).slice(-4), [
    'property float seg_0',
    'property float seg_1',
    'end_header',
    '',
  ]);
  assert.deepEqual(encodeGaussianPly(back), bytes);
});

/** Writes an Inria-layout file by hand: rows of float32 in spec order with the given per-property values. */
function handWritten(
  count: number,
  restCount: number,
  value: (name: string, i: number) => number,
): Uint8Array {
  const props = specProperties(restCount);
  const header = new TextEncoder().encode(
    [
      'ply',
      'format binary_little_endian 1.0',
      `element vertex ${count}`,
      ...props.map((p) => `property float ${p}`),
      'end_header',
      '',
    ].join('\n'),
  );
  const out = new Uint8Array(header.length + 4 * props.length * count);
  out.set(header);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < props.length; k++) {
      view.setFloat32(header.length + 4 * (props.length * i + k), value(props[k], i), true);
    }
  }
  return out;
}

test('a hand-written degree-3 file with 45 f_rest reads field by field and re-saves bit-identically', () => {
  const rng = new Random(3);
  const values = new Map<string, number>();
  const value = (name: string, i: number) => {
    const key = `${name}/${i}`;
    if (!values.has(key)) values.set(key, name.startsWith('n') ? 0 : Math.fround(rng.normal()));
    return values.get(key) as number;
  };
  const bytes = handWritten(20, 45, value);
  const cloud = parseGaussianPly(bytes, 'scene.ply');
  assert.equal(cloud.shDegree, 3);
  assert.equal(cloud.shRest?.length, 20 * 45);
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(
      Array.from(cloud.means.subarray(3 * i, 3 * i + 3)),
      ['x', 'y', 'z'].map((p) => value(p, i)),
    );
    assert.deepEqual(
      Array.from(cloud.quaternions.subarray(4 * i, 4 * i + 4)),
      [0, 1, 2, 3].map((k) => value(`rot_${k}`, i)),
    );
    assert.deepEqual(
      Array.from(cloud.logScales.subarray(3 * i, 3 * i + 3)),
      [0, 1, 2].map((k) => value(`scale_${k}`, i)),
    );
    assert.equal(cloud.logitOpacities[i], value('opacity', i));
    for (let c = 0; c < 3; c++)
      assert.equal(cloud.colors[3 * i + c], Math.fround(0.5 + SH_C0 * value(`f_dc_${c}`, i)));
    // Channel-major as in the file: f_rest_0..14 red, 15..29 green, 30..44 blue.
    for (let k = 0; k < 45; k++) assert.equal(cloud.shRest?.[45 * i + k], value(`f_rest_${k}`, i));
  }
  assert.equal(cloud.extra, undefined);
  assert.deepEqual(encodeGaussianPly(cloud), bytes);

  // Editing a colour after reading must change the written f_dc (the stored f_dc is stale there).
  cloud.colors[0] = 0.75;
  const edited = parseGaussianPly(encodeGaussianPly(cloud));
  assert.equal(edited.colors[0], Math.fround(0.75));
  assert.equal(edited.colors[1], cloud.colors[1]);
});

test('any property order, double properties, ascii and extras are accepted', () => {
  const cloud = randomCloud(4, 1, 9);
  const props = specProperties(9)
    .filter((p) => !p.startsWith('n'))
    .reverse();
  const header = [
    'ply',
    'format ascii 1.0',
    'element vertex 4',
    ...props.map((p) => `property double ${p}`),
    'property uchar label',
    'end_header',
  ];
  const rows: string[] = [];
  for (let i = 0; i < 4; i++) {
    const v: Record<string, number> = {
      x: cloud.means[3 * i],
      y: cloud.means[3 * i + 1],
      z: cloud.means[3 * i + 2],
      opacity: cloud.logitOpacities[i],
      label: i + 10,
    };
    for (let k = 0; k < 3; k++) {
      v[`f_dc_${k}`] = dcFromColor(cloud.colors[3 * i + k]);
      v[`scale_${k}`] = cloud.logScales[3 * i + k];
    }
    for (let k = 0; k < 4; k++) v[`rot_${k}`] = cloud.quaternions[4 * i + k];
    for (let k = 0; k < 9; k++) v[`f_rest_${k}`] = cloud.shRest?.[9 * i + k] as number;
    rows.push([...props, 'label'].map((p) => String(v[p])).join(' '));
  }
  const back = parseGaussianPly(new TextEncoder().encode([...header, ...rows, ''].join('\n')), 'ascii.ply');
  for (const key of ['means', 'quaternions', 'logScales', 'logitOpacities', 'shRest'] as const) {
    assert.deepEqual(back[key], cloud[key], key);
  }
  assertColorsRoundTrip(back.colors, cloud.colors);
  assert.deepEqual(back.extra, { label: Float32Array.of(10, 11, 12, 13) });
});

test('missing or malformed properties are rejected by name', () => {
  const without = (name: string) =>
    new TextEncoder().encode(
      [
        'ply',
        'format ascii 1.0',
        'element vertex 0',
        ...specProperties(0)
          .filter((p) => p !== name)
          .map((p) => `property float ${p}`),
        'end_header',
        '',
      ].join('\n'),
    );
  assert.throws(
    () => parseGaussianPly(without('opacity'), 'g.ply'),
    /g\.ply: Gaussian PLY element 'vertex' has no property 'opacity'/,
  );
  assert.throws(() => parseGaussianPly(without('rot_3'), 'g.ply'), /no property 'rot_3'/);
  assert.throws(() => parseGaussianPly(without('f_dc_1'), 'g.ply'), /no property 'f_dc_1'/);
  const tenRest = new TextEncoder().encode(
    [
      'ply',
      'format ascii 1.0',
      'element vertex 0',
      ...specProperties(10).map((p) => `property float ${p}`),
      'end_header',
      '',
    ].join('\n'),
  );
  assert.throws(
    () => parseGaussianPly(tenRest, 'g.ply'),
    /g\.ply: Gaussian PLY has 10 f_rest_\* properties, expected 0, 9, 24 or 45/,
  );
  const gap = new TextEncoder().encode(
    [
      'ply',
      'format ascii 1.0',
      'element vertex 0',
      ...specProperties(9).map((p) => `property float ${p === 'f_rest_4' ? 'f_rest_9' : p}`),
      'end_header',
      '',
    ].join('\n'),
  );
  assert.throws(() => parseGaussianPly(gap, 'g.ply'), /no property 'f_rest_4'/);

  const cloud = randomCloud(3, 1, 1);
  assert.throws(
    () => encodeGaussianPly({ ...cloud, shRest: new Float32Array(5) }),
    /shRest \(degree 1\) has 5 values, expected 27/,
  );
  assert.throws(
    () => encodeGaussianPly({ ...cloud, extra: { opacity: new Float32Array(3) } }),
    /extra property name 'opacity'/,
  );
  assert.throws(
    () => encodeGaussianPly({ ...cloud, logitOpacities: new Float32Array(2) }),
    /logitOpacities has 2 values, expected 3/,
  );
});

test('dcFromColor finds the f_dc whose colour is the given float32, or the nearest one', () => {
  const rng = new Random(21);
  const colors = Float32Array.from({ length: 20000 }, () => rng.uniform(-1, 2));
  const back = colors.map((c) => Math.fround(0.5 + SH_C0 * dcFromColor(c)));
  assertColorsRoundTrip(back, colors);
  // Brute force: no float32 within 4 ulps of the chosen f_dc gives a colour closer to the target.
  const f32 = new Float32Array(1);
  const i32 = new Int32Array(f32.buffer);
  for (let i = 0; i < 2000; i++) {
    const c = colors[i];
    f32[0] = dcFromColor(c);
    const bits = i32[0];
    const error = Math.abs(back[i] - c);
    for (let d = -4; d <= 4; d++) {
      i32[0] = bits + d;
      assert.ok(Math.abs(Math.fround(0.5 + SH_C0 * f32[0]) - c) >= error, `colour ${c}, neighbour ${d}`);
    }
  }
});

test('readGaussianPly / writeGaussianPly round-trip through a file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gsdyn-gply-'));
  try {
    const cloud = randomCloud(64, 0, 5);
    const path = join(dir, 'point_cloud.ply');
    await writeGaussianPly(path, cloud);
    const back = await readGaussianPly(path);
    assert.deepEqual(back.means, cloud.means);
    assertColorsRoundTrip(back.colors, cloud.colors);
    assert.equal(back.shRest, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
