/**
 * Deterministic, tileable value noise for procedural textures: a hashed integer lattice with period `period`
 * cells, smoothly interpolated. Tileable because textures are repeat-wrapped; no seed needed because the scene
 * must look the same in every episode.
 */
export function latticeHash(x: number, y: number, salt: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ Math.imul(salt, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Value noise in [0, 1) at (x, y) measured in lattice cells, periodic with `period` cells in both directions. */
export function tileableNoise(x: number, y: number, period: number, salt: number): number {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  const fx = x - xi;
  const fy = y - yi;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const x0 = ((xi % period) + period) % period;
  const y0 = ((yi % period) + period) % period;
  const x1 = (x0 + 1) % period;
  const y1 = (y0 + 1) % period;
  const a = latticeHash(x0, y0, salt);
  const b = latticeHash(x1, y0, salt);
  const c = latticeHash(x0, y1, salt);
  const d = latticeHash(x1, y1, salt);
  return (a + (b - a) * sx) * (1 - sy) + (c + (d - c) * sx) * sy;
}

/** Sum of octaves of tileable noise, normalised to [0, 1). */
export function tileableFractal(x: number, y: number, period: number, octaves: number, salt: number): number {
  let sum = 0;
  let amp = 1;
  let total = 0;
  let f = 1;
  for (let o = 0; o < octaves; o++) {
    sum += amp * tileableNoise(x * f, y * f, period * f, salt + o);
    total += amp;
    amp *= 0.5;
    f *= 2;
  }
  return sum / total;
}
