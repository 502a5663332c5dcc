import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import type { GaussianCloudData } from '../src/gaussian-ply.js';
import { encodeSplat, parseSplat, readSplat, writeSplat } from '../src/splat.js';

const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s+/g, '').match(/../g) ?? [], (h) => Number.parseInt(h, 16));

function oneSplat(overrides: Partial<GaussianCloudData> = {}): GaussianCloudData {
  return {
    count: 1,
    means: Float32Array.of(1, -2, 0.5),
    // log 1, log 2, log 0.25 (exp of the float32 logs rounds back to 1, 2 and 0.25 in float32)
    logScales: Float32Array.of(0, Math.LN2, Math.log(0.25)),
    colors: Float32Array.of(1, 0.5, -0.1),
    logitOpacities: Float32Array.of(0),
    quaternions: Float32Array.of(3, 3, 0, 0), // normalised: (1/sqrt2, 1/sqrt2, 0, 0)
    shDegree: 0,
    ...overrides,
  };
}

test('one splat encodes to the hand-computed 32 bytes', () => {
  const expected = hex(`
    0000803f 000000c0 0000003f
    0000803f 00000040 0000803e
    ff 80 00 80
    db db 80 80`);
  // colour 1 -> 255, 0.5 -> round(127.5) = 128, -0.1 -> clamped 0; sigmoid(0) = 0.5 -> 128;
  // 0.70711 * 128 + 128 = 218.5 -> 219 = 0xdb.
  assert.deepEqual(encodeSplat(oneSplat()), expected);
  // A zero quaternion is written as the identity; out-of-range colours and large logits clamp.
  const other = encodeSplat(
    oneSplat({
      quaternions: new Float32Array(4),
      colors: Float32Array.of(1.3, 0, 0.2),
      logitOpacities: Float32Array.of(40),
    }),
  );
  assert.deepEqual(Array.from(other.subarray(24)), [255, 0, 51, 255, 255, 128, 128, 128]);
  const negative = encodeSplat(
    oneSplat({ quaternions: Float32Array.of(0, 0, -2, 0), logitOpacities: Float32Array.of(-40) }),
  );
  assert.deepEqual(Array.from(negative.subarray(27)), [0, 128, 128, 0, 128]);
});

test('the hand-computed bytes parse back to the expected values', () => {
  const cloud = parseSplat(encodeSplat(oneSplat()), 'one.splat');
  assert.equal(cloud.count, 1);
  assert.equal(cloud.shDegree, 0);
  assert.deepEqual(Array.from(cloud.means), [1, -2, 0.5]);
  assert.deepEqual(Array.from(cloud.logScales, Math.exp).map(Math.fround), [1, 2, 0.25]);
  assert.deepEqual(Array.from(cloud.colors), [1, Math.fround(128 / 255), 0]);
  const p = 128 / 255;
  assert.equal(cloud.logitOpacities[0], Math.fround(Math.log(p / (1 - p))));
  const q = Math.fround(91 / Math.hypot(91, 91));
  assert.deepEqual(Array.from(cloud.quaternions), [q, q, 0, 0]);
});

test('a random cloud round-trips within the quantisation tolerances', () => {
  const rng = new Random(17);
  const n = 2000;
  const cloud: GaussianCloudData = {
    count: n,
    means: Float32Array.from({ length: 3 * n }, () => rng.normal()),
    logScales: Float32Array.from({ length: 3 * n }, () => rng.uniform(-8, 1)),
    colors: Float32Array.from({ length: 3 * n }, () => rng.uniform(0, 1)),
    logitOpacities: Float32Array.from({ length: n }, () => rng.uniform(-6, 6)),
    quaternions: Float32Array.from({ length: 4 * n }, () => rng.normal() * 3),
    shDegree: 0,
  };
  const back = parseSplat(encodeSplat(cloud), 'random.splat');
  assert.equal(back.count, n);
  assert.deepEqual(back.means, cloud.means);
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const j = 3 * i + k;
      const scale = Math.fround(Math.exp(cloud.logScales[j]));
      assert.ok(Math.abs(Math.exp(back.logScales[j]) - scale) <= 4e-7 * scale, `scale ${j}`);
      assert.ok(Math.abs(back.colors[j] - cloud.colors[j]) <= 0.5 / 255 + 1e-6, `colour ${j}`);
    }
    assert.ok(
      Math.abs(sigmoid(back.logitOpacities[i]) - sigmoid(cloud.logitOpacities[i])) <= 0.5 / 255 + 1e-6,
      `opacity ${i}`,
    );
    const q = cloud.quaternions.subarray(4 * i, 4 * i + 4);
    const norm = Math.hypot(...q);
    const r = back.quaternions.subarray(4 * i, 4 * i + 4);
    assert.ok(Math.abs(Math.hypot(...r) - 1) < 1e-6, 'parsed quaternions are unit');
    for (let k = 0; k < 4; k++) assert.ok(Math.abs(r[k] - q[k] / norm) <= 1 / 128, `rotation ${i}.${k}`);
  }
});

test('a size that is not a multiple of 32 bytes is rejected naming the file', () => {
  assert.throws(
    () => parseSplat(new Uint8Array(65), 'scene.splat'),
    /scene\.splat: \.splat size 65 bytes is not a multiple of 32/,
  );
  assert.equal(parseSplat(new Uint8Array(0)).count, 0);
  assert.throws(
    () => encodeSplat(oneSplat({ colors: new Float32Array(2) })),
    /colors has 2 values, expected 3/,
  );
});

test('readSplat / writeSplat round-trip through a file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gsdyn-splat-'));
  try {
    const path = join(dir, 'one.splat');
    await writeSplat(path, oneSplat());
    const back = await readSplat(path);
    assert.deepEqual(encodeSplat(back), encodeSplat(oneSplat()));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
