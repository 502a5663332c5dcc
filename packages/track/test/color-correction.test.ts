import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '@gsdyn/geometry';
import { applyColorAffine, colorAffineBackward, createColorAffine } from '../src/color-correction.js';

const W = 6;
const H = 5;

function randomImage(rng: Random): Float32Array {
  return Float32Array.from({ length: 3 * W * H }, () => rng.uniform(0, 1));
}

test('the new affine is the identity; a known gain and offset give exp(m) im + c per channel', () => {
  const rng = new Random(31);
  const image = randomImage(rng);
  const affine = createColorAffine(4);
  assert.equal(affine.logGain.length, 12);
  assert.deepEqual(applyColorAffine(image, affine, 3), image);
  affine.logGain.set([Math.log(2), 0, Math.log(0.5)], 6);
  affine.offset.set([0, 0.25, -0.125], 6);
  const out = applyColorAffine(image, affine, 2);
  const plane = W * H;
  for (let p = 0; p < plane; p++) {
    // log(2) and log(0.5) are rounded to float32, so the gains are 2 and 0.5 to ~1e-7.
    assert.ok(Math.abs(out[p] - 2 * image[p]) < 3e-7);
    assert.equal(out[plane + p], Math.fround(image[plane + p] + 0.25));
    assert.ok(Math.abs(out[2 * plane + p] - (0.5 * image[2 * plane + p] - 0.125)) < 3e-7);
  }
  // Other cameras are untouched by camera 2's parameters.
  assert.deepEqual(applyColorAffine(image, affine, 1), image);
  assert.throws(() => applyColorAffine(image, affine, 4), /camera 4 is out of range/);
  assert.throws(() => applyColorAffine(new Float32Array(7), affine, 0), /planar 3 x H x W/);
  assert.throws(() => createColorAffine(0), /positive integer/);
});

function checkGradients(offsetMask: Uint8Array | undefined): void {
  const rng = new Random(32);
  const image = randomImage(rng);
  const affine = createColorAffine(3);
  for (let i = 0; i < 9; i++) {
    affine.logGain[i] = rng.uniform(-0.5, 0.5);
    affine.offset[i] = rng.uniform(-0.2, 0.2);
  }
  const camera = 1;
  // L = sum(v * im'), so dL/dim' = v.
  const v = Float32Array.from({ length: image.length }, () => rng.uniform(-1, 1));
  const loss = () => {
    const out = applyColorAffine(image, affine, camera, offsetMask);
    let s = 0;
    for (let p = 0; p < out.length; p++) s += v[p] * out[p];
    return s;
  };
  const { gradImage, gradLogGain, gradOffset } = colorAffineBackward(image, v, affine, camera, offsetMask);
  // Parameters are float32, so the step is a power of two (exactly representable perturbations) and the tolerance
  // covers float32 rounding of the outputs: ~90 outputs of size ~1 at 6e-8 each over 2h.
  const h = 1 / 64;
  const central = (array: Float32Array, index: number) => {
    const x = array[index];
    array[index] = x + h;
    const up = loss();
    array[index] = x - h;
    const down = loss();
    array[index] = x;
    return (up - down) / (2 * h);
  };
  for (let p = 0; p < image.length; p++) {
    assert.ok(Math.abs(central(image, p) - gradImage[p]) < 1e-4, `image ${p}`);
  }
  for (let ch = 0; ch < 3; ch++) {
    const fdGain = central(affine.logGain, 3 * camera + ch);
    // exp's curvature adds h^2/6 relative truncation error (4e-5).
    assert.ok(
      Math.abs(fdGain - gradLogGain[ch]) < 1e-3 * (1 + Math.abs(fdGain)),
      `logGain ${ch}: ${fdGain} vs ${gradLogGain[ch]}`,
    );
    const fdOffset = central(affine.offset, 3 * camera + ch);
    assert.ok(Math.abs(fdOffset - gradOffset[ch]) < 1e-3, `offset ${ch}: ${fdOffset} vs ${gradOffset[ch]}`);
    // Non-vacuous: the sums are far from 0 for random v.
    assert.ok(Math.abs(gradOffset[ch]) > 1e-3);
  }
  assert.throws(() => colorAffineBackward(image, new Float32Array(3), affine, camera), /gradOut/);
}

test('colour affine gradients (image, logGain, offset) match finite differences', () =>
  checkGradients(undefined));

test('with an offset mask the offset is added, and its gradient summed, on the mask only', () => {
  // Every other pixel: the offset gradient is then a different sum from the unmasked one.
  const mask = Uint8Array.from({ length: W * H }, (_, p) => (p % 2 === 0 ? 1 : 0));
  checkGradients(mask);
  const image = randomImage(new Random(33));
  const affine = createColorAffine(1);
  affine.logGain.set([0, Math.log(2), 0]);
  affine.offset.set([0.5, 0.25, -0.125]);
  const plane = W * H;
  const out = applyColorAffine(image, affine, 0, mask);
  const plain = applyColorAffine(image, affine, 0);
  for (let p = 0; p < plane; p++) {
    // Off the mask the gain alone; on it what the unmasked correction gives.
    assert.equal(out[p], mask[p] ? plain[p] : image[p], `red ${p}`);
    assert.equal(out[2 * plane + p], mask[p] ? plain[2 * plane + p] : image[2 * plane + p], `blue ${p}`);
    if (!mask[p]) assert.ok(Math.abs(out[plane + p] - 2 * image[plane + p]) < 3e-7, `green ${p}`);
    else assert.equal(out[plane + p], plain[plane + p]);
  }
  assert.throws(() => applyColorAffine(image, affine, 0, new Uint8Array(3)), /offsetMask has 3 values/);
});
