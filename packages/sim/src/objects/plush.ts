import type { Random } from '@gsdyn/geometry';
import { ShapeMatching } from '../physics/shape-matching.js';
import { SoftBody } from '../physics/soft-body.js';
import type { Texture } from '../render/mesh.js';
import type { SimObject } from './sim-object.js';
import { embedInTets, evaluateEmbedding } from './tet-embedding.js';
import { tilingFractalNoise } from './texture-noise.js';
import { createTexture, mix, type Rgb, setTexel, shade, wrap } from './texture-paint.js';

/**
 * Skin below this height is flattened onto it (the soles). A millimetre above the table rather than on it, so
 * that the small deformations of the legs under load do not push the extrapolated soles into the table.
 */
const SOLE_HEIGHT = 0.001;

/** An ellipsoid part of the toy, in its own frame (facing +x, soles on z = 0). */
interface Blob {
  centre: [number, number, number];
  semiAxes: [number, number, number];
  /** Volumetric blobs get particles; the others (ears, snout, tail) are only skin, carried by the nearest tets. */
  volumetric: boolean;
  /** Which half of the texture atlas: the face (with eyes and nose) or the fur. */
  atlas: 'face' | 'fur';
  /** Mesh resolution: segments around and from pole to pole. */
  around: number;
  stacks: number;
}

export const PLUSH = {
  /** Lattice spacing of the particles. */
  spacing: 0.01,
  mass: 0.1,
  /** Seconds for a deviation from the rest shape to decay (global shape matching; smaller is stiffer). */
  shapeTimeConstant: 0.05,
  /** Above the bottom particle layer (0.5-1.0 cm) so the pusher meets the legs and body, not the table. */
  pusherTipHeight: 0.012,
} as const;

/** A small bear-like animal: body, head with snout and ears, four legs and a tail; about 0.19 x 0.1 x 0.11 m. */
export const PLUSH_BLOBS: Blob[] = [
  {
    centre: [0, 0, 0.044],
    semiAxes: [0.07, 0.046, 0.033],
    volumetric: true,
    atlas: 'fur',
    around: 32,
    stacks: 18,
  },
  {
    centre: [0.072, 0, 0.074],
    semiAxes: [0.032, 0.032, 0.03],
    volumetric: true,
    atlas: 'face',
    around: 28,
    stacks: 16,
  },
  ...[-1, 1].flatMap((sx) =>
    [-1, 1].map(
      (sy): Blob => ({
        centre: [0.045 * sx, 0.03 * sy, 0.016],
        semiAxes: [0.02, 0.02, 0.026],
        volumetric: true,
        atlas: 'fur',
        around: 16,
        stacks: 10,
      }),
    ),
  ),
  {
    centre: [0.1, 0, 0.066],
    semiAxes: [0.014, 0.015, 0.012],
    volumetric: false,
    atlas: 'face',
    around: 16,
    stacks: 10,
  },
  ...[-1, 1].map(
    (sy): Blob => ({
      centre: [0.066, 0.022 * sy, 0.1],
      semiAxes: [0.008, 0.011, 0.012],
      volumetric: false,
      atlas: 'fur',
      around: 12,
      stacks: 8,
    }),
  ),
  {
    centre: [-0.074, 0, 0.056],
    semiAxes: [0.011, 0.011, 0.011],
    volumetric: false,
    atlas: 'fur',
    around: 12,
    stacks: 8,
  },
];

/**
 * A plush toy: particles on a cubic lattice inside its volumetric blobs (slightly dilated so the thin legs get
 * whole cubes), 6 tets per lattice cube whose 8 corners are all particles, with tet edge and tet volume
 * constraints. The bottom particle layer sits one particle radius above the table, where the flattened soles
 * of the skin are. The skin (one ellipsoid mesh per blob) is embedded in the tets.
 */
export function createPlush(rng: Random): SimObject {
  const h = PLUSH.spacing;
  const dilation = 0.25 * h;
  const inside = (p: [number, number, number]) =>
    PLUSH_BLOBS.some((b) => b.volumetric && ellipsoidValue(b, p, dilation) <= 1);
  // Lattice: x offset by h/2 and y by 0 put lattice columns on the leg centres; z layers at h/2 + k h, so the
  // bottom layer rests on the table one particle radius up.
  const range = (lo: number, hi: number) => [Math.floor(lo / h) - 1, Math.ceil(hi / h) + 1];
  const [i0, i1] = range(-0.1, 0.12);
  const [j0, j1] = range(-0.06, 0.06);
  const nk = Math.ceil(0.12 / h);
  const ni = i1 - i0 + 1;
  const nj = j1 - j0 + 1;
  const latticeIndex = (i: number, j: number, k: number) => ((k * nj + (j - j0)) * ni + (i - i0)) | 0;
  const at = (i: number, j: number, k: number): [number, number, number] => [
    (i + 0.5) * h,
    j * h,
    (k + 0.5) * h,
  ];
  const occupied = new Uint8Array(ni * nj * nk);
  for (let k = 0; k < nk; k++) {
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) if (inside(at(i, j, k))) occupied[latticeIndex(i, j, k)] = 1;
    }
  }
  // Cubes with all 8 corners occupied, split into 6 tets along the main diagonal (Kuhn), which conforms
  // across neighbouring cubes.
  const particleOf = new Int32Array(ni * nj * nk).fill(-1);
  const positions: number[] = [];
  const tetCorners: number[] = [];
  const corner = (i: number, j: number, k: number, bits: number) => {
    const key = latticeIndex(i + (bits & 1), j + ((bits >> 1) & 1), k + ((bits >> 2) & 1));
    if (particleOf[key] < 0) {
      particleOf[key] = positions.length / 3;
      positions.push(...at(i + (bits & 1), j + ((bits >> 1) & 1), k + ((bits >> 2) & 1)));
    }
    return particleOf[key];
  };
  const paths = [
    [1, 2, 4],
    [1, 4, 2],
    [2, 1, 4],
    [2, 4, 1],
    [4, 1, 2],
    [4, 2, 1],
  ];
  for (let k = 0; k + 1 < nk; k++) {
    for (let j = j0; j < j1; j++) {
      for (let i = i0; i < i1; i++) {
        let full = true;
        for (let bits = 0; bits < 8 && full; bits++) {
          full = occupied[latticeIndex(i + (bits & 1), j + ((bits >> 1) & 1), k + ((bits >> 2) & 1))] === 1;
        }
        if (!full) continue;
        for (const [a, b] of paths) {
          tetCorners.push(corner(i, j, k, 0), corner(i, j, k, a), corner(i, j, k, a | b), corner(i, j, k, 7));
        }
      }
    }
  }
  const local = Float64Array.from(positions);
  orientTets(local, tetCorners);
  const count = local.length / 3;
  // Skin in the toy's frame, embedded before the toy is placed: the embedding is invariant to rigid motions.
  const skin = plushSkin();
  const embedding = embedInTets(skin.rest, local, Int32Array.from(tetCorners));

  const angle = rng.uniform(0, 2 * Math.PI);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const ox = rng.uniform(-0.02, 0.02);
  const oy = rng.uniform(-0.02, 0.02);
  const x = new Float64Array(3 * count);
  for (let p = 0; p < count; p++) {
    // Centre the toy (about x = 0.015 in its frame) on the origin before turning it.
    const lx = local[3 * p] - 0.015;
    const ly = local[3 * p + 1];
    x[3 * p] = ox + c * lx - s * ly;
    x[3 * p + 1] = oy + s * lx + c * ly;
    x[3 * p + 2] = local[3 * p + 2];
  }
  const body = new SoftBody(
    x,
    new Float64Array(count).fill(PLUSH.mass / count),
    new Float64Array(count).fill(h / 2),
  );
  body.material = { tableStaticFriction: 0.6, tableDynamicFriction: 0.5, pusherFriction: 0.3, damping: 2 };
  const edges = new Set<number>();
  for (let t = 0; t < tetCorners.length; t += 4) {
    for (let a = 0; a < 4; a++) {
      for (let b = a + 1; b < 4; b++) {
        const p = Math.min(tetCorners[t + a], tetCorners[t + b]);
        const q = Math.max(tetCorners[t + a], tetCorners[t + b]);
        const key = p * count + q;
        if (edges.has(key)) continue;
        edges.add(key);
        body.distances.add(x, p, q, 2e-5);
      }
    }
    body.volumes.add(x, tetCorners[t], tetCorners[t + 1], tetCorners[t + 2], tetCorners[t + 3], 0);
  }
  body.shapeMatching = new ShapeMatching(x, body.inverseMass, PLUSH.shapeTimeConstant);
  return {
    body,
    surface: {
      vertexCount: skin.rest.length / 3,
      triangles: skin.triangles,
      uvs: skin.uvs,
      texture: plushTexture(rng),
      skin(positions: Float64Array, out: Float32Array): void {
        evaluateEmbedding(embedding, positions, out);
      },
    },
    substepsAt15Fps: 20,
    pusherTipHeight: PLUSH.pusherTipHeight,
  };
}

/** ((p - c) / (semi + dilation))^2 summed: <= 1 inside. */
function ellipsoidValue(b: Blob, p: [number, number, number], dilation: number): number {
  let sum = 0;
  for (let a = 0; a < 3; a++) sum += ((p[a] - b.centre[a]) / (b.semiAxes[a] + dilation)) ** 2;
  return sum;
}

/** Swaps two corners of every negatively oriented tet so that all rest volumes are positive. */
function orientTets(x: Float64Array, tets: number[]): void {
  for (let t = 0; t < tets.length; t += 4) {
    const [a, b, c, d] = tets.slice(t, t + 4).map((i) => 3 * i);
    const e1 = [x[b] - x[a], x[b + 1] - x[a + 1], x[b + 2] - x[a + 2]];
    const e2 = [x[c] - x[a], x[c + 1] - x[a + 1], x[c + 2] - x[a + 2]];
    const e3 = [x[d] - x[a], x[d + 1] - x[a + 1], x[d + 2] - x[a + 2]];
    const v =
      e3[0] * (e1[1] * e2[2] - e1[2] * e2[1]) +
      e3[1] * (e1[2] * e2[0] - e1[0] * e2[2]) +
      e3[2] * (e1[0] * e2[1] - e1[1] * e2[0]);
    if (v < 0) [tets[t + 1], tets[t + 2]] = [tets[t + 2], tets[t + 1]];
  }
}

/**
 * One UV-sphere per blob (with a seam column so u runs 0..1), in the toy's frame; vertices below SOLE_HEIGHT
 * are flattened onto it (the soles). Face blobs map to the right half of the texture atlas with their
 * front (+x) at its centre, fur blobs to the left half.
 */
export function plushSkin(): { rest: Float64Array; uvs: Float32Array; triangles: Uint32Array } {
  const rest: number[] = [];
  const uvs: number[] = [];
  const triangles: number[] = [];
  for (const blob of PLUSH_BLOBS) {
    const base = rest.length / 3;
    const cols = blob.around + 1;
    const u0 = blob.atlas === 'face' ? 0.5 : 0;
    for (let t = 0; t <= blob.stacks; t++) {
      const theta = (Math.PI * t) / blob.stacks;
      for (let k = 0; k < cols; k++) {
        // Azimuth measured from -x, so that the front of a face blob is mid-atlas, far from its seam.
        const u = k / blob.around;
        const phi = 2 * Math.PI * u + Math.PI;
        const z = blob.centre[2] + blob.semiAxes[2] * Math.cos(theta);
        rest.push(
          blob.centre[0] + blob.semiAxes[0] * Math.sin(theta) * Math.cos(phi),
          blob.centre[1] + blob.semiAxes[1] * Math.sin(theta) * Math.sin(phi),
          Math.max(z, SOLE_HEIGHT),
        );
        uvs.push(u0 + 0.5 * u, t / blob.stacks);
      }
    }
    for (let t = 0; t < blob.stacks; t++) {
      for (let k = 0; k < blob.around; k++) {
        const a = base + t * cols + k;
        const b = a + 1;
        const c = a + cols;
        const d = c + 1;
        // Rows go from the top pole down and columns counter-clockwise seen from above: (a, c, b) faces out.
        if (t > 0) triangles.push(a, c, b);
        if (t + 1 < blob.stacks) triangles.push(b, c, d);
      }
    }
  }
  return {
    rest: Float64Array.from(rest),
    uvs: Float32Array.from(uvs),
    triangles: Uint32Array.from(triangles),
  };
}

const FUR_PALETTES: [Rgb, Rgb][] = [
  [
    [150, 100, 60],
    [235, 215, 180],
  ],
  [
    [225, 225, 215],
    [90, 80, 75],
  ],
  [
    [230, 150, 60],
    [250, 240, 225],
  ],
  [
    [120, 120, 130],
    [230, 190, 190],
  ],
];

/**
 * 512 x 256 atlas. Left half: fur (base colour, noisy lighter patches, fine fur grain). Right half: the same fur
 * for the head and snout, with two eyes and a nose around its centre (the front of those blobs).
 */
export function plushTexture(rng: Random): Texture {
  const width = 512;
  const height = 256;
  const texture = createTexture(width, height);
  const [base, patch] = FUR_PALETTES[rng.int(FUR_PALETTES.length)];
  const patches = tilingFractalNoise(rng, width, height, 8, 4, 3);
  const grain = tilingFractalNoise(rng, width, height, 128, 64, 2);
  const threshold = rng.uniform(0.55, 0.62);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      const blend = Math.min(Math.max((patches[k] - threshold) * 12, 0), 1);
      setTexel(texture, x, y, shade(mix(base, patch, blend), 0.78 + 0.4 * grain[k]));
    }
  }
  // Head: front at u = 0.75 (x = 384); eyes just above the equator (v ~ 0.42), the nose on the snout's front.
  const eye: Rgb = [20, 15, 15];
  for (const side of [-1, 1]) {
    const ex = 384 + side * 19;
    fillEllipse(texture, ex, 104, 5, 11, eye);
    fillEllipse(texture, ex - 1, 99, 1.5, 3, [240, 240, 240]);
  }
  fillEllipse(texture, 384, 122, 9, 9, [40, 25, 25]);
  return texture;
}

function fillEllipse(texture: Texture, cx: number, cy: number, rx: number, ry: number, c: Rgb): void {
  for (let dy = -Math.ceil(ry); dy <= Math.ceil(ry); dy++) {
    for (let dx = -Math.ceil(rx); dx <= Math.ceil(rx); dx++) {
      if ((dx / rx) ** 2 + (dy / ry) ** 2 > 1) continue;
      setTexel(
        texture,
        wrap(Math.round(cx) + dx, texture.width),
        wrap(Math.round(cy) + dy, texture.height),
        c,
      );
    }
  }
}
