import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { ssimMap } from '../src/loss/ssim.js';
import { psnr, ssimValue } from '../src/metrics.js';

const C = 3;
const W = 20;
const H = 15;
const N = C * W * H;

test('PSNR known answers: a uniform error of 0.1 is 20 dB, 0.01 is 40 dB, identical images are infinite', () => {
  const rng = new Random(1);
  const t = Float32Array.from({ length: N }, () => rng.uniform(0.2, 0.8));
  const p = Float64Array.from(t, (v, i) => v + (i % 2 ? 0.1 : -0.1));
  assert.ok(Math.abs(psnr(p, Float64Array.from(t), C, W, H) - 20) < 1e-9);
  const q = Float64Array.from(t, (v) => v + 0.01);
  assert.ok(Math.abs(psnr(q, Float64Array.from(t), C, W, H) - 40) < 1e-9);
  assert.equal(psnr(t, t, C, W, H), Infinity);
});

test('masked PSNR averages over the masked pixels only', () => {
  const t = new Float64Array(N).fill(0.5);
  const p = new Float64Array(N).fill(0.5);
  const mask = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) {
    mask[i] = i % 3 === 0 ? 255 : 0;
    for (let c = 0; c < C; c++) p[c * W * H + i] += mask[i] ? 0.1 : 0.4;
  }
  assert.ok(Math.abs(psnr(p, t, C, W, H, mask) - 20) < 1e-9);
  // Fractional weights: half the weight on an error of 0.1, half on 0.3 -> MSE = (0.01 + 0.09) / 2.
  const weights = new Float32Array(W * H);
  weights[0] = 0.5;
  weights[1] = 0.5;
  const r = new Float64Array(N).fill(0.5);
  for (let c = 0; c < C; c++) {
    r[c * W * H] += 0.1;
    r[c * W * H + 1] += 0.3;
  }
  assert.ok(Math.abs(psnr(r, t, C, W, H, weights) - 10 * Math.log10(1 / 0.05)) < 1e-9);
  assert.ok(Number.isNaN(psnr(r, t, C, W, H, new Uint8Array(W * H))));
});

test('ssimValue is the mean SSIM map over the (masked) pixels of all channels', () => {
  const rng = new Random(2);
  const a = Float64Array.from({ length: N }, () => rng.next());
  const b = Float64Array.from(a, (v) => v + 0.2 * rng.normal());
  const map = ssimMap(a, b, C, W, H);
  const mean = map.reduce((s, v) => s + v, 0) / N;
  assert.ok(Math.abs(ssimValue(a, b, C, W, H) - mean) < 1e-12);
  assert.ok(Math.abs(ssimValue(a, a, C, W, H) - 1) < 1e-12);
  const mask = new Uint8Array(W * H);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < W * H; i++) {
    if (i % 4 !== 1) continue;
    mask[i] = 1;
    count++;
    for (let c = 0; c < C; c++) sum += map[c * W * H + i];
  }
  assert.ok(Math.abs(ssimValue(a, b, C, W, H, mask) - sum / (C * count)) < 1e-12);
});
