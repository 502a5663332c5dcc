import type { Texture } from '../render/mesh.js';

/** An RGB colour, components 0..255. */
export type Rgb = [number, number, number];

export function createTexture(width: number, height: number): Texture {
  return { width, height, data: new Uint8Array(width * height * 3) };
}

export function setTexel(texture: Texture, x: number, y: number, c: Rgb): void {
  const k = 3 * (y * texture.width + x);
  texture.data[k] = clampByte(c[0]);
  texture.data[k + 1] = clampByte(c[1]);
  texture.data[k + 2] = clampByte(c[2]);
}

export function getTexel(texture: Texture, x: number, y: number): Rgb {
  const k = 3 * (y * texture.width + x);
  return [texture.data[k], texture.data[k + 1], texture.data[k + 2]];
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

export function shade(c: Rgb, factor: number): Rgb {
  return [c[0] * factor, c[1] * factor, c[2] * factor];
}

/** Paints a filled disc, wrapping around the texture edges (the UVs repeat). */
export function fillDisc(texture: Texture, cx: number, cy: number, radius: number, c: Rgb): void {
  const r = Math.ceil(radius);
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) {
      if (dx * dx + dy * dy > radius * radius) continue;
      const x = wrap(Math.round(cx) + dx, texture.width);
      const y = wrap(Math.round(cy) + dy, texture.height);
      setTexel(texture, x, y, c);
    }
  }
}

export function wrap(i: number, n: number): number {
  return ((i % n) + n) % n;
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
