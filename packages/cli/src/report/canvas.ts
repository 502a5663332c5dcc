import type { RgbImage } from '@gsdyn/formats';

export type Rgb = readonly [number, number, number];

/** A blank RGB image. */
export function createCanvas(width: number, height: number, background: Rgb = [255, 255, 255]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(background, i * 3);
  return { width, height, data };
}

export function setPixel(img: RgbImage, x: number, y: number, color: Rgb): void {
  const xi = Math.round(x);
  const yi = Math.round(y);
  if (xi < 0 || yi < 0 || xi >= img.width || yi >= img.height) return;
  img.data.set(color, (yi * img.width + xi) * 3);
}

/** A line `thickness` pixels wide (stamped discs along the segment: simple and good enough for plots). */
export function drawLine(
  img: RgbImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  color: Rgb,
  thickness = 1,
): void {
  const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    drawDisc(img, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, thickness / 2, color);
  }
}

export function drawDisc(img: RgbImage, cx: number, cy: number, radius: number, color: Rgb): void {
  const r = Math.max(0.5, radius);
  for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++)
    for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++)
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) setPixel(img, x, y, color);
}
