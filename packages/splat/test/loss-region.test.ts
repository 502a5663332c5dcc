// Pixel regions (loss/region.ts) and viewLoss's contentRegion, which must give what the whole image gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lookAt, type PinholeCamera } from '@gsdyn/geometry';
import { type ColorTransform, viewLoss } from '../src/fit.js';
import {
  cropPlanes,
  growRegion,
  maskRegion,
  type PixelRegion,
  placePlanes,
  renderedRegion,
  uniteRegions,
} from '../src/loss/region.js';
import { renderGaussians } from '../src/render.js';
import { boxCloud } from './box-cloud.js';

const W = 160;
const H = 120;
// The 6 cm box of 2-4 mm Gaussians seen from about 0.5 m: some 50 px of a 160 x 120 image, off centre, black around it.
const camera: PinholeCamera = {
  width: W,
  height: H,
  fx: 300,
  fy: 300,
  cx: 50.5,
  cy: 45.5,
  worldToCamera: lookAt([0.35, -0.25, 0.3], [0, 0, 0]),
};

const SMALL = { scale: [0.002, 0.004] as [number, number] };

test('regions: grown and clipped, united, a mask box, crop and place round trip', () => {
  assert.deepEqual(growRegion({ x: 2, y: 10, width: 5, height: 4 }, 3, 9, 15), {
    x: 0,
    y: 7,
    width: 9,
    height: 8,
  });
  assert.deepEqual(
    uniteRegions([{ x: 2, y: 3, width: 4, height: 1 }, undefined, { x: 5, y: 0, width: 2, height: 2 }]),
    { x: 2, y: 0, width: 5, height: 4 },
  );
  assert.equal(uniteRegions([undefined, { x: 1, y: 1, width: 0, height: 3 }]), undefined);
  const mask = new Uint8Array(6 * 5);
  assert.equal(maskRegion(mask, 6, 5), undefined);
  mask[1 * 6 + 4] = 255;
  mask[3 * 6 + 2] = 1;
  assert.deepEqual(maskRegion(mask, 6, 5), { x: 2, y: 1, width: 3, height: 3 });
  assert.throws(() => maskRegion(mask, 5, 5), /mask has 30 values, expected 5x5/);

  const image = Float32Array.from({ length: 2 * 6 * 5 }, (_, i) => i);
  const region: PixelRegion = { x: 1, y: 2, width: 3, height: 2 };
  const crop = cropPlanes(image, 2, 6, 5, region);
  // Channel 1, row 3, column 2 is value 30 + 18 + 2; in the crop it is channel 1, row 1, column 1.
  assert.equal(crop[1 * 6 + 1 * 3 + 1], 50);
  const back = new Float32Array(image.length);
  placePlanes(crop, 2, 6, 5, region, back, 2);
  for (let c = 0; c < 2; c++)
    for (let y = 0; y < 5; y++)
      for (let x = 0; x < 6; x++) {
        const i = c * 30 + y * 6 + x;
        const inside = x >= 1 && x < 4 && y >= 2 && y < 4;
        assert.equal(back[i], inside ? 2 * image[i] : 0, `(${c}, ${x}, ${y})`);
      }
});

test('outside renderedRegion a render is its background', () => {
  const cloud = boxCloud(300, 71, SMALL);
  const background = [0.1, 0.2, 0.3, 0.4];
  const r = renderGaussians(cloud, camera, { background });
  const region = renderedRegion(r.bins, W, H);
  assert.ok(region !== undefined);
  // Not vacuous: the region leaves most of the image out.
  assert.ok(region.width * region.height < 0.5 * W * H, JSON.stringify(region));
  let outside = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      if (x >= region.x && x < region.x + region.width && y >= region.y && y < region.y + region.height)
        continue;
      outside++;
      assert.equal(r.alpha[y * W + x], 0);
      for (let c = 0; c < 4; c++) assert.equal(r.image[c * W * H + y * W + x], Math.fround(background[c]));
    }
  assert.ok(outside > 0);
  // An empty cloud renders nothing.
  const empty = renderGaussians(boxCloud(0, 1), camera, { background });
  assert.equal(renderedRegion(empty.bins, W, H), undefined);
});

test('viewLoss on a content region gives the whole image loss and gradient', () => {
  const cloud = boxCloud(300, 72, SMALL);
  const rendered = renderGaussians(cloud, camera, { background: [0, 0, 0, 0] });
  // The target: another cloud's render on black, the mask where it covers, extras = the mask.
  const other = boxCloud(300, 73, SMALL);
  for (let i = 0; i < other.means.length; i++) other.means[i] += 0.004;
  const capture = renderGaussians(other, camera, { background: [0, 0, 0, 0] });
  const plane = W * H;
  const mask = Uint8Array.from(capture.alpha, (a) => (a > 0.3 ? 255 : 0));
  const target = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++)
    if (mask[p]) for (let c = 0; c < 3; c++) target[c * plane + p] = capture.image[c * plane + p];
  const extraTarget = Float32Array.from(mask, (m) => (m ? 1 : 0));
  // A gain everywhere and an offset on the mask only: black stays black off the mask.
  const gain = [1.1, 0.9, 1.05];
  const offset = [0.02, -0.01, 0.03];
  const maskIn = (region: PixelRegion | undefined) => (region ? cropPlanes(mask, 1, W, H, region) : mask);
  const transform: ColorTransform = {
    apply: (_view, rgb, region) => {
      const m = maskIn(region);
      const n = m.length;
      return rgb.map((v, i) => gain[Math.floor(i / n)] * v + (m[i % n] ? offset[Math.floor(i / n)] : 0));
    },
    backward: (_view, rgb, grad) => grad.map((g, i) => gain[Math.floor(i / (rgb.length / 3))] * g),
    step: () => {},
  };
  const view = { camera, target, extraTarget };
  const options = { imageWeight: 50, extraWeight: 200, colorTransform: transform };
  const whole = viewLoss(cloud, view, 0, rendered.image, options);
  const region = uniteRegions([renderedRegion(rendered.bins, W, H), maskRegion(mask, W, H)]);
  assert.ok(region !== undefined && region.width * region.height < 0.5 * plane);
  const cropped = viewLoss(cloud, view, 0, rendered.image, { ...options, contentRegion: region });
  for (const key of ['loss', 'colorLoss', 'extraLoss'] as const) {
    assert.ok(whole[key] > 1e-3, `${key} is not vacuous`);
    assert.ok(
      Math.abs(cropped[key] - whole[key]) < 1e-5 * whole[key],
      `${key}: ${cropped[key]} vs ${whole[key]}`,
    );
  }
  let largest = 0;
  for (const g of whole.dImage) largest = Math.max(largest, Math.abs(g));
  for (let i = 0; i < whole.dImage.length; i++)
    assert.ok(Math.abs(cropped.dImage[i] - whole.dImage[i]) < 1e-5 * largest, `dImage[${i}]`);
  // Nothing to compare: zero loss and gradient.
  const none = viewLoss(cloud, view, 0, rendered.image, {
    ...options,
    contentRegion: { x: 0, y: 0, width: 0, height: 0 },
  });
  assert.equal(none.loss, 0);
  assert.ok(none.dImage.every((g) => g === 0));
});
