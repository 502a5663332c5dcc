import type { Texture, TexturedMesh } from '../render/mesh.js';
import { tileableFractal, tileableNoise } from './texture-noise.js';

/** Table top size, metres (x by y), centred at the origin. */
export const TABLE_SIZE: readonly [number, number] = [1.4, 1.8];
/** The wood texture repeats every this many metres. */
const TILE_METRES = 0.35;
const TEXELS = 256;

/**
 * The table: one textured quad at z = 0 facing up. The texture is light oak planks with grain: enough structure
 * for photometric tracking to lock onto the static background, in browns that no object uses.
 */
export function makeTable(): TexturedMesh {
  const [sx, sy] = TABLE_SIZE;
  const hx = sx / 2;
  const hy = sy / 2;
  const positions = new Float32Array([-hx, -hy, 0, hx, -hy, 0, hx, hy, 0, -hx, hy, 0]);
  // u runs with x, v with -y (v = 0 is the texture's top row, which we put at the far (+y) edge).
  const uvs = new Float32Array(8);
  for (let k = 0; k < 4; k++) {
    uvs[2 * k] = (positions[3 * k] + hx) / TILE_METRES;
    uvs[2 * k + 1] = (hy - positions[3 * k + 1]) / TILE_METRES;
  }
  return {
    positions,
    uvs,
    triangles: new Uint32Array([0, 1, 2, 0, 2, 3]),
    texture: woodTexture(),
    isObject: false,
  };
}

let cachedWood: Texture | undefined;

/** Planks along u (four per tile), grain lines warped by noise, per-plank tint. Deterministic and tileable. */
export function woodTexture(): Texture {
  if (cachedWood) return cachedWood;
  const n = TEXELS;
  const data = new Uint8Array(n * n * 3);
  const planks = 4;
  for (let y = 0; y < n; y++) {
    const plank = Math.floor((y * planks) / n);
    const inPlank = (y * planks) / n - plank;
    const tint = 0.85 + 0.3 * tileableNoise(plank * 3.7, 0.5, 64, 11);
    for (let x = 0; x < n; x++) {
      const fx = x / n;
      const fy = y / n;
      const warp = tileableFractal(fx * 4, fy * 4, 4, 3, 1 + plank);
      // Grain: thin dark lines along the plank (u), bending with the warp.
      const rings = (fy * 40 + warp * 6) % 1;
      const grain = 1 - 0.35 * Math.exp(-((rings - 0.5) ** 2) / 0.01);
      const fibre = 0.92 + 0.16 * tileableNoise(fx * 64, fy * 4, 64, 29 + plank);
      const seam = inPlank < 0.025 ? 0.55 : 1;
      const k = tint * grain * fibre * seam;
      const o = (y * n + x) * 3;
      data[o] = clampByte(196 * k);
      data[o + 1] = clampByte(148 * k);
      data[o + 2] = clampByte(98 * k);
    }
  }
  cachedWood = { width: n, height: n, data };
  return cachedWood;
}

function clampByte(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}
