import type { Texture, TexturedMesh } from '../render/mesh.js';
import { tileableNoise } from './texture-noise.js';

const SIDES = 32;
/** Height above the tip covered by the texture's detailed part (band, tip). */
const DETAIL_HEIGHT = 0.12;
const TEX_W = 64;
const TEX_H = 128;
/** The coloured band, metres above the tip. */
const BAND: readonly [number, number] = [0.04, 0.06];
/** The darker rubber tip, metres above the tip. */
const TIP = 0.012;

/**
 * The robot's pusher: a vertical cylinder from its tip (bottom cap at the tip's z) up to world height `top`
 * (default 1.5 m, above the cameras, so it is near-clipped like a real arm and occludes like one). Brushed grey
 * metal with an orange band and a dark tip. Not the object: isObject is false.
 */
export function makePusher(tip: ArrayLike<number>, radius: number, top = 1.5): TexturedMesh {
  const [x, y, z] = [tip[0], tip[1], tip[2]];
  if (![x, y, z].every(Number.isFinite))
    throw new RangeError(`makePusher: tip must be 3 finite numbers, got [${Array.from(tip)}]`);
  if (!(radius > 0)) throw new RangeError(`makePusher: radius must be positive metres, got ${radius}`);
  if (!(top > z + DETAIL_HEIGHT))
    throw new RangeError(
      `makePusher: top (${top} m) must be above the tip z + ${DETAIL_HEIGHT} m (${z + DETAIL_HEIGHT})`,
    );

  // Side: three rings (tip, end of the detailed part, top), SIDES + 1 vertices each (the seam is duplicated so
  // u can run 0..1). Caps have their own vertices so their normals stay vertical (a hard edge at the rim).
  const heights = [z, z + DETAIL_HEIGHT, top];
  // Texel-centre v values: the detailed part maps bottom (v ~ 1) to top (v ~ 0); above it stays on row 0.
  const vs = [1 - 0.5 / TEX_H, 0.5 / TEX_H, 0.5 / TEX_H];
  const ring = SIDES + 1;
  const sideVerts = heights.length * ring;
  const capVerts = 2 * (SIDES + 1);
  const positions = new Float32Array(3 * (sideVerts + capVerts));
  const uvs = new Float32Array(2 * (sideVerts + capVerts));
  for (let h = 0; h < heights.length; h++) {
    for (let k = 0; k <= SIDES; k++) {
      const a = (2 * Math.PI * k) / SIDES;
      const v = h * ring + k;
      positions.set([x + radius * Math.cos(a), y + radius * Math.sin(a), heights[h]], 3 * v);
      uvs.set([k / SIDES, vs[h]], 2 * v);
    }
  }
  const capUv: [number, number][] = [
    [0.5, 1 - 0.5 / TEX_H], // bottom: the dark tip colour
    [0.5, 0.5 / TEX_H], // top: plain metal
  ];
  const capBase = [sideVerts, sideVerts + SIDES + 1];
  for (let c = 0; c < 2; c++) {
    const cz = c === 0 ? z : top;
    positions.set([x, y, cz], 3 * capBase[c]);
    uvs.set(capUv[c], 2 * capBase[c]);
    for (let k = 0; k < SIDES; k++) {
      const a = (2 * Math.PI * k) / SIDES;
      const v = capBase[c] + 1 + k;
      positions.set([x + radius * Math.cos(a), y + radius * Math.sin(a), cz], 3 * v);
      uvs.set(capUv[c], 2 * v);
    }
  }

  const tris: number[] = [];
  for (let h = 0; h + 1 < heights.length; h++) {
    for (let k = 0; k < SIDES; k++) {
      const a0 = h * ring + k;
      const a1 = a0 + 1;
      const b0 = a0 + ring;
      const b1 = b0 + 1;
      tris.push(a0, a1, b1, a0, b1, b0); // counter-clockwise seen from outside
    }
  }
  for (let k = 0; k < SIDES; k++) {
    const k1 = (k + 1) % SIDES;
    const bc = capBase[0];
    tris.push(bc, bc + 1 + k1, bc + 1 + k); // faces down
    const tc = capBase[1];
    tris.push(tc, tc + 1 + k, tc + 1 + k1); // faces up
  }
  return { positions, uvs, triangles: new Uint32Array(tris), texture: pusherTexture(), isObject: false };
}

let cached: Texture | undefined;

/** u around the cylinder, v from the top of the detailed part (0) down to the tip (1). */
function pusherTexture(): Texture {
  if (cached) return cached;
  const data = new Uint8Array(TEX_W * TEX_H * 3);
  for (let row = 0; row < TEX_H; row++) {
    const height = (1 - (row + 0.5) / TEX_H) * DETAIL_HEIGHT; // metres above the tip
    for (let col = 0; col < TEX_W; col++) {
      const brushed = 0.9 + 0.2 * tileableNoise(col / 2, 0.5, TEX_W / 2, 7);
      let rgb: [number, number, number] = [150 * brushed, 155 * brushed, 162 * brushed];
      if (height >= BAND[0] && height < BAND[1]) rgb = [230, 120, 30];
      else if (height < TIP) rgb = [45, 45, 48];
      const o = (row * TEX_W + col) * 3;
      data[o] = Math.round(rgb[0]);
      data[o + 1] = Math.round(rgb[1]);
      data[o + 2] = Math.round(rgb[2]);
    }
  }
  cached = { width: TEX_W, height: TEX_H, data };
  return cached;
}
