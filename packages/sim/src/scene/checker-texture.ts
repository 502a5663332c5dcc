import type { Texture } from '../render/mesh.js';

/**
 * A checkerboard of `squares` x `squares` cells, each `cell` texels wide, alternating colours `a` and `b`
 * (cell (0, 0), top-left, is `a`). Handy for calibration targets and renderer tests.
 */
export function makeCheckerTexture(
  squares: number,
  cell: number,
  a: readonly [number, number, number] = [255, 255, 255],
  b: readonly [number, number, number] = [0, 0, 0],
): Texture {
  const size = squares * cell;
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const c = (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0 ? a : b;
      data.set(c, (y * size + x) * 3);
    }
  }
  return { width: size, height: size, data };
}

/** A one-colour texture. */
export function makeSolidTexture(rgb: readonly [number, number, number]): Texture {
  return { width: 1, height: 1, data: new Uint8Array(rgb) };
}
