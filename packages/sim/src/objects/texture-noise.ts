import type { Random } from '@gsdyn/geometry';

/**
 * Seeded value noise that tiles: the lattice wraps at the texture edges, so textures built from it have no
 * seam under repeat-wrapped UVs. Returns width x height values in [0, 1), row-major.
 */
export function tilingValueNoise(
  rng: Random,
  width: number,
  height: number,
  cellsX: number,
  cellsY: number,
): Float32Array {
  const lattice = new Float32Array(cellsX * cellsY);
  for (let k = 0; k < lattice.length; k++) lattice[k] = rng.next();
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = (y / height) * cellsY;
    const y0 = Math.floor(fy);
    const ty = smooth(fy - y0);
    const r0 = (y0 % cellsY) * cellsX;
    const r1 = ((y0 + 1) % cellsY) * cellsX;
    for (let x = 0; x < width; x++) {
      const fx = (x / width) * cellsX;
      const x0 = Math.floor(fx);
      const tx = smooth(fx - x0);
      const c0 = x0 % cellsX;
      const c1 = (x0 + 1) % cellsX;
      const top = lattice[r0 + c0] + (lattice[r0 + c1] - lattice[r0 + c0]) * tx;
      const bottom = lattice[r1 + c0] + (lattice[r1 + c1] - lattice[r1 + c0]) * tx;
      out[y * width + x] = top + (bottom - top) * ty;
    }
  }
  return out;
}

/** Fractal sum of tiling value noise over `octaves`, each twice as fine and half as strong; in [0, 1). */
export function tilingFractalNoise(
  rng: Random,
  width: number,
  height: number,
  cellsX: number,
  cellsY: number,
  octaves: number,
): Float32Array {
  const out = new Float32Array(width * height);
  let amplitude = 1;
  let total = 0;
  for (let o = 0; o < octaves; o++) {
    const layer = tilingValueNoise(rng, width, height, cellsX << o, cellsY << o);
    for (let k = 0; k < out.length; k++) out[k] += amplitude * layer[k];
    total += amplitude;
    amplitude *= 0.5;
  }
  for (let k = 0; k < out.length; k++) out[k] /= total;
  return out;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}
