import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { createCloud } from '../src/cloud.js';
import { readGaussianCloud, writeGaussianCloud } from '../src/io.js';
import type { GaussianCloud } from '../src/types.js';

function randomCloud(seed: number, n: number, extraChannels: number): GaussianCloud {
  const rng = new Random(seed);
  const c = createCloud(n, extraChannels);
  for (let i = 0; i < c.means.length; i++) c.means[i] = rng.uniform(-1, 1);
  for (let i = 0; i < c.quaternions.length; i++) c.quaternions[i] = rng.uniform(-1, 1);
  for (let i = 0; i < c.logScales.length; i++) c.logScales[i] = rng.uniform(-7, -2);
  for (let i = 0; i < n; i++) c.logitOpacities[i] = rng.uniform(-4, 4);
  for (let i = 0; i < c.colors.length; i++) c.colors[i] = rng.next();
  for (let i = 0; i < c.extras.length; i++) c.extras[i] = rng.next();
  return c;
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gsdyn-splat-io-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a cloud round-trips through a 3DGS .ply file (extras included), leaving no temporary file', async () => {
  await withTempDir(async (dir) => {
    const c = randomCloud(1, 50, 2);
    const path = join(dir, 'cloud.ply');
    await writeGaussianCloud(path, c);
    assert.deepEqual(await readdir(dir), ['cloud.ply']);
    const back = await readGaussianCloud(path);
    assert.equal(back.count, 50);
    assert.equal(back.extraChannels, 2);
    assert.deepEqual(back.means, c.means);
    assert.deepEqual(back.quaternions, c.quaternions);
    assert.deepEqual(back.logScales, c.logScales);
    assert.deepEqual(back.logitOpacities, c.logitOpacities);
    assert.deepEqual(back.extras, c.extras);
    for (let i = 0; i < c.colors.length; i++) assert.ok(Math.abs(back.colors[i] - c.colors[i]) < 1e-6);
  });
});

test('a cloud round-trips through .splat within its quantisation (colour, opacity 1/255, rotation 1/128)', async () => {
  await withTempDir(async (dir) => {
    const c = randomCloud(2, 200, 1);
    const path = join(dir, 'cloud.SPLAT');
    await writeGaussianCloud(path, c);
    const back = await readGaussianCloud(path);
    assert.equal(back.count, 200);
    assert.equal(back.extraChannels, 0, '.splat has no extras');
    assert.deepEqual(back.means, c.means);
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    for (let i = 0; i < c.count; i++) {
      assert.ok(Math.abs(sigmoid(back.logitOpacities[i]) - sigmoid(c.logitOpacities[i])) <= 0.5 / 255 + 1e-6);
      for (let k = 0; k < 3; k++) {
        assert.ok(Math.abs(back.colors[3 * i + k] - c.colors[3 * i + k]) <= 0.5 / 255 + 1e-6);
        assert.ok(Math.abs(back.logScales[3 * i + k] - c.logScales[3 * i + k]) < 1e-5);
      }
      const q = c.quaternions.subarray(4 * i, 4 * i + 4);
      const n = Math.hypot(...q);
      // The file stores q / |q| rounded to 1/128; reading renormalises. Compare the rotations up to sign.
      let dot = 0;
      for (let k = 0; k < 4; k++) dot += (back.quaternions[4 * i + k] * q[k]) / n;
      assert.ok(Math.abs(dot) > 1 - 1e-3, `rotation ${i}: |dot| = ${Math.abs(dot)}`);
      for (let k = 0; k < 4; k++) assert.ok(Math.abs(back.quaternions[4 * i + k] - q[k] / n) < 1.5 / 128);
    }
  });
});

test('unknown extensions and bad clouds are rejected with the path named', async () => {
  await withTempDir(async (dir) => {
    const c = randomCloud(3, 4, 0);
    await assert.rejects(
      writeGaussianCloud(join(dir, 'cloud.npz'), c),
      /cloud\.npz.*'\.npz', expected \.ply/,
    );
    await writeFile(join(dir, 'x.txt'), 'hello');
    await assert.rejects(readGaussianCloud(join(dir, 'x.txt')), /x\.txt.*expected \.ply .* or \.splat/);
    await assert.rejects(
      writeGaussianCloud(join(dir, 'bad.ply'), { ...c, means: new Float32Array(5) }),
      /bad\.ply: means has 5 values, expected 12/,
    );
    assert.deepEqual(await readdir(dir), ['x.txt']);
  });
});
