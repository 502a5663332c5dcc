import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageLoss } from '@gsdyn/splat';
import { fillOccluded, occludedPixels } from '../src/occlusion.js';

// A 6 x 4 image: the object is predicted over columns 1-4 at 0.70 m; the pusher stands in front of columns 1-2
// (0.60 m, not object in the mask); column 3 shows the object itself (mask on); column 4 shows the table behind,
// where the object has moved away (0.80 m, mask off).
const W = 6;
const H = 4;
function scene() {
  const alpha = new Float32Array(W * H);
  const depth = new Float32Array(W * H);
  const captured = new Uint16Array(W * H).fill(800);
  const mask = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 1; x <= 4; x++) {
      const p = y * W + x;
      alpha[p] = 0.9;
      depth[p] = 0.7;
      if (x <= 2) captured[p] = 600;
      if (x === 3) {
        captured[p] = 702;
        mask[p] = 255;
      }
    }
  return { alpha, depth, captured, mask };
}

test('occluded: object predicted, not in the mask, and something nearer than the margin', () => {
  const { alpha, depth, captured, mask } = scene();
  const hidden = occludedPixels(alpha, depth, captured, mask, W, H, { dilate: 0 });
  const expected: number[] = [];
  for (let y = 0; y < H; y++) expected.push(y * W + 1, y * W + 2);
  assert.deepEqual(Array.from(hidden), expected);
});

test('no reading, no predicted object, or a gap within the margin is not occlusion', () => {
  const { alpha, depth, captured, mask } = scene();
  captured[1] = 0; // no depth reading
  alpha[W + 1] = 0.2; // the object is not expected here
  captured[2 * W + 1] = 695; // only 5 mm in front: within the 1 cm margin (depth noise, fit bias)
  const hidden = new Set(occludedPixels(alpha, depth, captured, mask, W, H, { dilate: 0 }));
  assert.ok(!hidden.has(1) && !hidden.has(W + 1) && !hidden.has(2 * W + 1));
  assert.ok(hidden.has(2) && hidden.has(3 * W + 1));
});

test('dilation grows the region by a square; nothing occluded gives an empty list', () => {
  const alpha = new Float32Array(W * H).fill(1);
  const depth = new Float32Array(W * H).fill(0.7);
  const captured = new Uint16Array(W * H).fill(700);
  const mask = new Uint8Array(W * H);
  assert.equal(occludedPixels(alpha, depth, captured, mask, W, H).length, 0);
  captured[2 * W + 3] = 500;
  const grown = occludedPixels(alpha, depth, captured, mask, W, H, { dilate: 1 });
  const expected: number[] = [];
  for (let y = 1; y <= 3; y++) for (let x = 2; x <= 4; x++) expected.push(y * W + x);
  assert.deepEqual(Array.from(grown), expected);
  assert.throws(
    () => occludedPixels(alpha, depth, captured.subarray(1), mask, W, H),
    /capturedDepthMm has 23 values, expected 6 x 4/,
  );
});

test('filled pixels carry no L1 gradient and the rest of the loss is untouched', () => {
  const plane = W * H;
  const rendered = new Float32Array(3 * plane);
  const target = new Float32Array(3 * plane);
  for (let i = 0; i < rendered.length; i++) {
    rendered[i] = ((i * 37) % 101) / 101;
    target[i] = ((i * 53) % 97) / 97;
  }
  const gain = [1.1, 0.9, 1.0];
  const offset = Float32Array.of(0.02, -0.01, 0);
  const corrected = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++)
    for (let p = 0; p < plane; p++) corrected[c * plane + p] = gain[c] * rendered[c * plane + p] + offset[c];
  const hidden = Uint32Array.of(7, 8, 13);
  const filled = target.slice();
  fillOccluded(filled, rendered, plane, 3, hidden, gain, offset);
  for (let c = 0; c < 3; c++)
    for (let p = 0; p < plane; p++) {
      const i = c * plane + p;
      if (hidden.includes(p)) assert.equal(filled[i], corrected[i], `pixel ${p} channel ${c}`);
      else assert.equal(filled[i], target[i]);
    }
  // Pure L1 (no SSIM): the filled pixels have exactly zero residual and gradient.
  const l1 = imageLoss(corrected, filled, 3, W, H, { ssimWeight: 0 });
  for (let c = 0; c < 3; c++) for (const p of hidden) assert.equal(l1.grad[c * plane + p], 0);
  const before = imageLoss(corrected, target, 3, W, H, { ssimWeight: 0 });
  assert.ok(l1.value < before.value);
});
