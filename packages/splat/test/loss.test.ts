import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { imageLoss, imageLossDense } from '../src/loss/image-loss.js';
import { l1Loss } from '../src/loss/l1.js';
import { gaussianWindow1d, SSIM_C1, SSIM_C2, ssim, ssimMap } from '../src/loss/ssim.js';

const C = 3;
const W = 23;
const H = 17;

function randomImage(rng: Random, n: number, lo = 0, hi = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

/** Central differences of f at every element of x (float64), compared with the analytic gradient. */
function checkGradient(
  name: string,
  f: (x: Float64Array) => number,
  x: Float64Array,
  grad: Float32Array,
  h: number,
  relTol: number,
): void {
  let maxAbs = 0;
  for (const g of grad) maxAbs = Math.max(maxAbs, Math.abs(g));
  assert.ok(maxAbs > 0, `${name}: gradient is all zero`);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + h;
    const fp = f(x);
    x[i] = keep - h;
    const fm = f(x);
    x[i] = keep;
    const fd = (fp - fm) / (2 * h);
    const err = Math.abs(fd - grad[i]);
    assert.ok(
      err <= relTol * (Math.abs(fd) + 1e-2 * maxAbs),
      `${name}: element ${i}: analytic ${grad[i]} vs finite difference ${fd}`,
    );
  }
}

/** Direct 2D SSIM map: the 11x11 window applied pixel by pixel with explicit zero padding (an independent oracle). */
function bruteSsimMap(x: Float64Array, y: Float64Array, channels: number, width: number, height: number) {
  const g = gaussianWindow1d();
  const out = new Float64Array(channels * width * height);
  for (let c = 0; c < channels; c++) {
    for (let py = 0; py < height; py++) {
      for (let px = 0; px < width; px++) {
        let mx = 0;
        let my = 0;
        let exx = 0;
        let eyy = 0;
        let exy = 0;
        for (let dy = -5; dy <= 5; dy++) {
          for (let dx = -5; dx <= 5; dx++) {
            const qx = px + dx;
            const qy = py + dy;
            if (qx < 0 || qy < 0 || qx >= width || qy >= height) continue;
            const w = g[dx + 5] * g[dy + 5];
            const a = x[c * width * height + qy * width + qx];
            const b = y[c * width * height + qy * width + qx];
            mx += w * a;
            my += w * b;
            exx += w * a * a;
            eyy += w * b * b;
            exy += w * a * b;
          }
        }
        const s =
          ((2 * mx * my + SSIM_C1) * (2 * (exy - mx * my) + SSIM_C2)) /
          ((mx * mx + my * my + SSIM_C1) * (exx - mx * mx + eyy - my * my + SSIM_C2));
        out[c * width * height + py * width + px] = s;
      }
    }
  }
  return out;
}

test('the SSIM window is the normalised Gaussian of 3DGS (sigma 1.5, 11 taps)', () => {
  const g = gaussianWindow1d();
  assert.equal(g.length, 11);
  assert.ok(Math.abs(g.reduce((a, b) => a + b, 0) - 1) < 1e-15);
  // The centre tap: exp(0) / sum_k exp(-(k-5)^2 / 4.5), computed independently.
  assert.ok(Math.abs(g[5] - 0.26601172486179436) < 1e-15, `${g[5]}`);
  assert.equal(g[0], g[10]);
});

test('the separable SSIM map equals a direct 2D zero-padded window, inside and at the borders', () => {
  const rng = new Random(11);
  for (const [w, h] of [
    [W, H],
    [7, 5],
    [12, 30],
  ]) {
    const x = randomImage(rng, 2 * w * h);
    const y = randomImage(rng, 2 * w * h);
    const got = ssimMap(x, y, 2, w, h);
    const want = bruteSsimMap(x, y, 2, w, h);
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-9, `${w}x${h} [${i}]`);
  }
});

test('SSIM of an image with itself is 1, with a zero gradient', () => {
  const rng = new Random(12);
  const x = randomImage(rng, C * W * H);
  const r = ssim(x, x, C, W, H);
  assert.ok(Math.abs(r.value - 1) < 1e-12, `${r.value}`);
  for (const g of r.grad) assert.ok(Math.abs(g) < 1e-9);
});

test('SSIM of two constant images has the closed form (luminance only in the interior)', () => {
  const a = 0.3;
  const b = 0.55;
  const w = 31;
  const h = 24;
  const x = new Float64Array(w * h).fill(a);
  const y = new Float64Array(w * h).fill(b);
  const g = gaussianWindow1d();
  // With zero padding the window covers the fraction s = sx * sy of itself inside the image; then
  // mu = a s, sigma_x^2 = a^2 s (1 - s), sigma_xy = a b s (1 - s).
  const inside = (p: number, n: number) => {
    let s = 0;
    for (let t = -5; t <= 5; t++) if (p + t >= 0 && p + t < n) s += g[t + 5];
    return s;
  };
  let mean = 0;
  for (let py = 0; py < h; py++) {
    for (let px = 0; px < w; px++) {
      const s = inside(px, w) * inside(py, h);
      const v = s * (1 - s);
      mean +=
        ((2 * a * b * s * s + SSIM_C1) * (2 * a * b * v + SSIM_C2)) /
        (((a * a + b * b) * s * s + SSIM_C1) * ((a * a + b * b) * v + SSIM_C2));
    }
  }
  mean /= w * h;
  const r = ssim(x, y, 1, w, h);
  assert.ok(Math.abs(r.value - mean) < 1e-12, `${r.value} vs ${mean}`);
  const map = ssimMap(x, y, 1, w, h);
  const luminance = (2 * a * b + SSIM_C1) / (a * a + b * b + SSIM_C1);
  assert.ok(Math.abs(map[12 * w + 15] - luminance) < 1e-12, `${map[12 * w + 15]} vs ${luminance}`);
});

test('SSIM gradient matches float64 central differences (3 channels, 23x17)', () => {
  const rng = new Random(13);
  const x = randomImage(rng, C * W * H);
  const y = randomImage(rng, C * W * H);
  const r = ssim(x, y, C, W, H);
  checkGradient('ssim', (p) => ssim(p, y, C, W, H).value, x, r.grad, 1e-5, 1e-5);
});

test('L1 value and gradient, unmasked (mean over C*W*H) and masked (mean over masked pixels)', () => {
  const rng = new Random(14);
  const x = randomImage(rng, C * W * H);
  const y = randomImage(rng, C * W * H);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i] - y[i]);
  const r = l1Loss(x, y, C, W, H);
  assert.ok(Math.abs(r.value - sum / (C * W * H)) < 1e-12);
  checkGradient('l1', (p) => l1Loss(p, y, C, W, H).value, x, r.grad, 1e-7, 1e-6);

  const mask = new Uint8Array(W * H);
  for (let p = 0; p < W * H; p++) mask[p] = rng.next() < 0.4 ? 255 : 0;
  let masked = 0;
  let count = 0;
  for (let p = 0; p < W * H; p++) {
    if (!mask[p]) continue;
    count++;
    for (let c = 0; c < C; c++) masked += Math.abs(x[c * W * H + p] - y[c * W * H + p]);
  }
  const rm = l1Loss(x, y, C, W, H, mask);
  assert.ok(Math.abs(rm.value - masked / (C * count)) < 1e-12);
  checkGradient('l1 masked', (p) => l1Loss(p, y, C, W, H, mask).value, x, rm.grad, 1e-7, 1e-6);
  for (let p = 0; p < W * H; p++) if (!mask[p]) assert.equal(rm.grad[p], 0);
  assert.deepEqual(l1Loss(x, y, C, W, H, new Uint8Array(W * H)).value, 0);
});

test('imageLoss = 0.8 L1 + 0.2 (1 - SSIM), gradient matches central differences', () => {
  const rng = new Random(15);
  const x = randomImage(rng, C * W * H);
  const y = randomImage(rng, C * W * H);
  const r = imageLoss(x, y, C, W, H);
  const l1 = l1Loss(x, y, C, W, H).value;
  const s = ssim(x, y, C, W, H).value;
  assert.ok(Math.abs(r.value - (0.8 * l1 + 0.2 * (1 - s))) < 1e-12);
  assert.equal(r.l1, l1);
  assert.equal(r.ssim, s);
  checkGradient('imageLoss', (p) => imageLoss(p, y, C, W, H).value, x, r.grad, 1e-6, 1e-5);
  const r5 = imageLoss(x, y, C, W, H, { ssimWeight: 0.5 });
  assert.ok(Math.abs(r5.value - (0.5 * l1 + 0.5 * (1 - s))) < 1e-12);
});

test('masked imageLoss: L1 over mask pixels, SSIM of the masked images; gradient matches central differences', () => {
  const rng = new Random(16);
  const x = randomImage(rng, 2 * W * H);
  const y = randomImage(rng, 2 * W * H);
  const mask = new Float32Array(W * H);
  for (let p = 0; p < W * H; p++) {
    const u = rng.next();
    mask[p] = u < 0.3 ? 0 : u < 0.8 ? 1 : rng.next();
  }
  const r = imageLoss(x, y, 2, W, H, { mask });
  const mx = x.map((v, i) => v * mask[i % (W * H)]);
  const my = y.map((v, i) => v * mask[i % (W * H)]);
  const l1 = l1Loss(x, y, 2, W, H, mask).value;
  const s = ssim(mx, my, 2, W, H).value;
  assert.ok(Math.abs(r.value - (0.8 * l1 + 0.2 * (1 - s))) < 1e-12);
  checkGradient('imageLoss masked', (p) => imageLoss(p, y, 2, W, H, { mask }).value, x, r.grad, 1e-6, 1e-5);
  // Nothing outside the mask influences the loss.
  for (let p = 0; p < W * H; p++) if (mask[p] === 0) assert.equal(r.grad[p], 0);
});

test('float32 images: the gradient matches central differences taken on float32 values', () => {
  const rng = new Random(17);
  const x = Float32Array.from(randomImage(rng, C * W * H));
  const y = Float32Array.from(randomImage(rng, C * W * H));
  const r = imageLoss(x, y, C, W, H);
  let maxAbs = 0;
  for (const g of r.grad) maxAbs = Math.max(maxAbs, Math.abs(g));
  for (let i = 0; i < x.length; i += 7) {
    const keep = x[i];
    // Use the float32 values actually evaluated: the step is whatever float32 rounding leaves.
    x[i] = keep + 1e-3;
    const xp = x[i];
    const fp = imageLoss(x, y, C, W, H).value;
    x[i] = keep - 1e-3;
    const xm = x[i];
    const fm = imageLoss(x, y, C, W, H).value;
    x[i] = keep;
    const fd = (fp - fm) / (xp - xm);
    // |pred - target| is usually far from its kink at this step; skip the elements where it is not.
    if (Math.abs(keep - y[i]) < 2e-3) continue;
    assert.ok(Math.abs(fd - r.grad[i]) <= 1e-3 * maxAbs, `element ${i}: ${r.grad[i]} vs ${fd}`);
  }
});

test('bad sizes and masks are rejected with the field named', () => {
  const x = new Float32Array(12);
  assert.throws(() => ssim(x, new Float32Array(11), 3, 2, 2), /target has 11 values, expected/);
  assert.throws(() => l1Loss(x, x, 3, 2, 2, new Uint8Array(3)), /mask has 3 values/);
  assert.throws(() => imageLoss(x, x, 3, 2, 2, { mask: new Float32Array([0, 1, 2, 0]) }), /mask\[2\] = 2/);
  assert.throws(() => imageLoss(x, x, 0, 2, 2), /channels must be a positive integer/);
});

test('imageLoss on black-bordered images (computed on the content box) equals the dense computation', () => {
  const rng = new Random(9);
  const W = 61;
  const H = 47;
  const plane = W * H;
  // Content in a few places: the middle, touching the left and bottom borders, the right and top ones, one pixel.
  for (const [x0, y0, w, h] of [
    [20, 15, 9, 7],
    [0, 30, 6, 17],
    [55, 0, 6, 5],
    [33, 21, 1, 1],
  ]) {
    const pred = new Float32Array(3 * plane);
    const target = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++)
      for (let y = y0; y < y0 + h; y++)
        for (let x = x0; x < x0 + w; x++) {
          pred[c * plane + y * W + x] = rng.next();
          if (rng.next() < 0.8) target[c * plane + (y + 1 < H ? y + 1 : y) * W + x] = rng.next();
        }
    const fast = imageLoss(pred, target, 3, W, H);
    const dense = imageLossDense(pred, target, 3, W, H);
    assert.ok(Math.abs(fast.value - dense.value) < 1e-9, `value ${fast.value} vs ${dense.value}`);
    assert.ok(Math.abs(fast.ssim - dense.ssim) < 1e-9 && Math.abs(fast.l1 - dense.l1) < 1e-9);
    let scale = 0;
    for (const g of dense.grad) scale = Math.max(scale, Math.abs(g));
    for (let i = 0; i < dense.grad.length; i++)
      assert.ok(
        Math.abs(fast.grad[i] - dense.grad[i]) <= 1e-6 * scale,
        `grad[${i}] ${fast.grad[i]} vs ${dense.grad[i]}`,
      );
  }
  const black = new Float32Array(3 * plane);
  assert.equal(imageLoss(black, black, 3, W, H).value, 0);
});
