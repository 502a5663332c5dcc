import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeNpz, ndarray, readNpz, writeFileAtomic } from '@gsdyn/formats';
import { DYN3DGS_MAX_CAMERAS, readParamsNpz, writeParamsNpz } from '../src/export/params-npz.js';
import { movingTracks, testCloud } from './export-fixtures.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-params-npz-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('params.npz has the Dyn3DGS keys, shapes and float32 dtype, colours repeated per frame', async () => {
  const tracks = movingTracks(testCloud(17, 1), 3);
  const path = join(dir, 'plain.npz');
  await writeParamsNpz(path, tracks);
  const a = await readNpz(path);
  const shapes = Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v.shape]));
  assert.deepEqual(shapes, {
    means3D: [3, 17, 3],
    rgb_colors: [3, 17, 3],
    unnorm_rotations: [3, 17, 4],
    log_scales: [17, 3],
    logit_opacities: [17, 1],
    seg_colors: [17, 3],
    cam_m: [DYN3DGS_MAX_CAMERAS, 3],
    cam_c: [DYN3DGS_MAX_CAMERAS, 3],
  });
  for (const v of Object.values(a)) assert.equal(v.dtype, 'float32');
  assert.deepEqual(a.means3D.data, tracks.means);
  assert.deepEqual(a.unnorm_rotations.data, tracks.rotations);
  for (let t = 0; t < 3; t++)
    assert.deepEqual(a.rgb_colors.data.slice(t * 51, (t + 1) * 51), tracks.cloud.colors);
  // No extras: every Gaussian is foreground.
  for (let i = 0; i < 17; i++)
    assert.deepEqual(Array.from((a.seg_colors.data as Float32Array).slice(3 * i, 3 * i + 3)), [1, 0, 0]);
  assert.ok((a.cam_m.data as Float32Array).every((v) => v === 0));
  assert.deepEqual(await readdir(dir), ['plain.npz'], 'no temporary file left behind');
});

test('params.npz round trip: frames, means, rotations, every cloud field, extras and colour affine', async () => {
  const tracks = movingTracks(testCloud(23, 2, 2), 4);
  const affine = {
    logGain: Float32Array.from({ length: 6 }, (_, k) => 0.1 * k - 0.2),
    offset: Float32Array.from({ length: 6 }, (_, k) => 0.01 * k),
  };
  const path = join(dir, 'extras.npz');
  await writeParamsNpz(path, tracks, affine);
  const back = await readParamsNpz(path);
  assert.equal(back.frames, 4);
  assert.deepEqual(back.means, tracks.means);
  assert.deepEqual(back.rotations, tracks.rotations);
  assert.deepEqual(back.cloud, tracks.cloud);
  assert.deepEqual(back.colorAffine, affine);
  // Extra channel 0 decides the segmentation colour.
  const a = await readNpz(path);
  for (let i = 0; i < 23; i++) {
    const fg = tracks.cloud.extras[2 * i] >= 0.5;
    assert.deepEqual(
      Array.from((a.seg_colors.data as Float32Array).slice(3 * i, 3 * i + 3)),
      fg ? [1, 0, 0] : [0, 0, 1],
    );
  }
});

test('a reference-style params.npz (float64, no gsdyn_extras) reads, with the segmentation as one extra channel', async () => {
  const T = 2;
  const N = 3;
  const f64 = (n: number, f: (k: number) => number) => Float64Array.from({ length: n }, (_, k) => f(k));
  const arrays = {
    means3D: ndarray(
      'float64',
      [T, N, 3],
      f64(T * N * 3, (k) => k / 10),
    ),
    rgb_colors: ndarray(
      'float64',
      [T, N, 3],
      f64(T * N * 3, (k) => (k % 9) / 9),
    ),
    unnorm_rotations: ndarray(
      'float64',
      [T, N, 4],
      f64(T * N * 4, (k) => (k % 4 === 0 ? 1 : 0)),
    ),
    log_scales: ndarray(
      'float64',
      [N, 3],
      f64(N * 3, () => -4),
    ),
    logit_opacities: ndarray(
      'float64',
      [N, 1],
      f64(N, (k) => k),
    ),
    seg_colors: ndarray('float64', [N, 3], Float64Array.of(1, 0, 0, 0, 0, 1, 1, 0, 0)),
    cam_m: ndarray('float64', [50, 3], new Float64Array(150)),
    cam_c: ndarray('float64', [50, 3], new Float64Array(150)),
  };
  const path = join(dir, 'reference.npz');
  await writeFileAtomic(path, encodeNpz(arrays));
  const back = await readParamsNpz(path);
  assert.equal(back.frames, T);
  assert.deepEqual(back.means, Float32Array.from(arrays.means3D.data as Float64Array));
  assert.equal(back.cloud.extraChannels, 1);
  assert.deepEqual(back.cloud.extras, Float32Array.of(1, 0, 1));
  assert.deepEqual(back.cloud.logitOpacities, Float32Array.of(0, 1, 2));
  assert.deepEqual(back.cloud.means, Float32Array.from((arrays.means3D.data as Float64Array).slice(0, 9)));
});

test('readParamsNpz names the file and the key that is missing or misshapen', async () => {
  const tracks = movingTracks(testCloud(5, 3), 2);
  const good = await readNpz(
    await (async () => {
      const p = join(dir, 'good.npz');
      await writeParamsNpz(p, tracks);
      return p;
    })(),
  );
  const missing = join(dir, 'missing.npz');
  const { log_scales: _dropped, ...rest } = good;
  await writeFileAtomic(missing, encodeNpz(rest));
  await assert.rejects(
    readParamsNpz(missing),
    (e: Error) => e.message.includes(missing) && e.message.includes("'log_scales'"),
  );
  const bad = join(dir, 'bad.npz');
  await writeFileAtomic(
    bad,
    encodeNpz({ ...good, unnorm_rotations: ndarray('float32', [2, 5, 3], new Float32Array(30)) }),
  );
  await assert.rejects(readParamsNpz(bad), /'unnorm_rotations' has shape \(2, 5, 3\), expected \(2, 5, 4\)/);
});

test('writeParamsNpz rejects arrays that do not match frames x Gaussians', async () => {
  const tracks = movingTracks(testCloud(5, 4), 2);
  await assert.rejects(
    writeParamsNpz(join(dir, 'x.npz'), { ...tracks, frames: 3 }),
    /means has 30 values, expected 3 frames x 5 Gaussians x 3/,
  );
});
