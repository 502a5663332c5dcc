import type { PinholeCamera } from '@gsdyn/geometry';

/**
 * Which world points (3 floats each) the camera sees: 1 when the point projects inside the image, in front of the
 * camera, and its camera z is within `tolerance` metres of the rendered depth there (nothing nearer hides it),
 * else 0. `depth` is the metric depth of `renderScene` for this camera (0 = nothing drawn).
 *
 * "The rendered depth there" is the depth of the nearest pixel (pixel i covers u in [i - 0.5, i + 0.5)), or the
 * depth interpolated from the four pixel centres around the projection, whichever agrees: on a slanted surface
 * (the table seen at 40 degrees, at 320 x 240) the nearest centre is up to half a pixel away and its depth differs
 * by a few millimetres, which alone would fail a 3 mm tolerance. The interpolation is bilinear in 1/z, which is
 * exact on a plane, and is only used where all four centres saw something.
 *
 * With `mask` (the object mask of the same render), "sees" means "depicts": the point's own pixel must be an object
 * pixel, and the interpolation may only use object pixels. This is the visibility of the ground truth: a point
 * on the silhouette of a thin rope whose pixel centre falls on the table behind it is not occluded, but the image
 * does not show it there, so a 2D tracking metric must not expect to find it.
 */
export function pointVisibility(
  points: Float32Array,
  camera: PinholeCamera,
  depth: Float32Array,
  tolerance = 0.003,
  mask?: Uint8Array,
): Uint8Array {
  const { width, height, fx, fy, cx, cy } = camera;
  if (points.length % 3 !== 0)
    throw new RangeError(`pointVisibility: points has ${points.length} values, expected 3 per point`);
  if (depth.length !== width * height)
    throw new RangeError(`pointVisibility: depth has ${depth.length} pixels, expected ${width}x${height}`);
  if (mask && mask.length !== width * height)
    throw new RangeError(`pointVisibility: mask has ${mask.length} pixels, expected ${width}x${height}`);
  const seen = (index: number) => depth[index] > 0 && (!mask || mask[index] > 0);
  if (!(tolerance >= 0)) throw new RangeError(`pointVisibility: tolerance must be >= 0 m, got ${tolerance}`);
  const m = camera.worldToCamera;
  const out = new Uint8Array(points.length / 3);
  for (let k = 0; k < out.length; k++) {
    const px = points[3 * k];
    const py = points[3 * k + 1];
    const pz = points[3 * k + 2];
    const x = m[0] * px + m[1] * py + m[2] * pz + m[3];
    const y = m[4] * px + m[5] * py + m[6] * pz + m[7];
    const z = m[8] * px + m[9] * py + m[10] * pz + m[11];
    if (!(z > 0)) continue;
    const u = (fx * x) / z + cx;
    const v = (fy * y) / z + cy;
    const i = Math.floor(u + 0.5);
    const j = Math.floor(v + 0.5);
    if (!(i >= 0 && i < width && j >= 0 && j < height)) continue;
    if (mask && mask[j * width + i] === 0) continue;
    const d = depth[j * width + i];
    if (d > 0 && Math.abs(z - d) <= tolerance) {
      out[k] = 1;
      continue;
    }
    const i0 = Math.floor(u);
    const j0 = Math.floor(v);
    if (i0 < 0 || j0 < 0 || i0 + 1 >= width || j0 + 1 >= height) continue;
    const n00 = j0 * width + i0;
    const n10 = n00 + width;
    if (!(seen(n00) && seen(n00 + 1) && seen(n10) && seen(n10 + 1))) continue;
    const d00 = depth[n00];
    const d01 = depth[n00 + 1];
    const d10 = depth[n10];
    const d11 = depth[n10 + 1];
    const a = u - i0;
    const b = v - j0;
    const w = ((1 - a) / d00 + a / d01) * (1 - b) + ((1 - a) / d10 + a / d11) * b;
    if (Math.abs(z - 1 / w) <= tolerance) out[k] = 1;
  }
  return out;
}
