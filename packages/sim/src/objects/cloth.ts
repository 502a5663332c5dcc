import type { Random } from '@gsdyn/geometry';
import { SoftBody } from '../physics/soft-body.js';
import type { Texture } from '../render/mesh.js';
import type { SimObject } from './sim-object.js';
import { tilingFractalNoise } from './texture-noise.js';
import { createTexture, fillDisc, getTexel, mix, type Rgb, setTexel, shade, wrap } from './texture-paint.js';

export const CLOTH = {
  size: 0.3,
  /** Particles per side. */
  resolution: 21,
  thickness: 0.003,
  mass: 0.02,
  /**
   * Bending rigidity, N m, of a cotton-like cloth. Bergou's weights on this grid give about 3-4 times the
   * continuum energy, so it acts as 3-4e-5 N m: a bending length (B / (rho g))^(1/3) of about 2.5 cm.
   */
  bendingRigidity: 1e-5,
  /** The seeded drape it is laid down with: raised creases (what buckles first under a push) and waviness, m. */
  creases: 2,
  creaseHeight: 0.006,
  creaseHalfWidth: 0.03,
  waveHeight: 0.002,
  /** Plane waves in the waviness, and their periods across the cloth (4-7: a few centimetres each). */
  waves: 4,
  wavePeriods: [4, 7],
  /**
   * Seeded relative variation of the particles' radii (the thickness of the weave, +-1/3): the cloth never lies
   * perfectly flat, so in-plane compression has out-of-plane kinks to buckle at instead of sliding the sheet.
   */
  thicknessVariation: 1 / 3,
  /** The pusher tip rides 1 mm above the table, under the top of the 3 mm cloth, so it catches the edge. */
  pusherTipHeight: 0.001,
} as const;

/**
 * A square cloth laid on the table with a slight seeded drape: the particle grid with inextensible stretch
 * (grid edges) and shear (cell diagonals) constraints at the draped lengths, so that the drape's slack stays
 * in the cloth as low creases, and compliant isometric bending (bending-constraints.ts) that does not resist
 * in-plane compression. Pushed, the cloth bunches up into folds in front of the pusher while table friction
 * holds its far side. The grid itself is the surface mesh, printed on both sides.
 */
export function createCloth(rng: Random): SimObject {
  const n = CLOTH.resolution;
  const spacing = CLOTH.size / (n - 1);
  const radius = CLOTH.thickness / 2;
  const angle = rng.uniform(0, 2 * Math.PI);
  const ox = rng.uniform(-0.02, 0.02);
  const oy = rng.uniform(-0.02, 0.02);
  const texture = clothFrontTexture(rng);
  const backTexture = clothBackTexture(rng);
  const drape = drapeField(rng.fork());
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const count = n * n;
  const radii = Float64Array.from(
    { length: count },
    () => radius * (1 + CLOTH.thicknessVariation * rng.uniform(-1, 1)),
  );
  const flat = new Float64Array(3 * count);
  const x = new Float64Array(3 * count);
  const uvs = new Float32Array(2 * count);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < n; k++) {
      const p = r * n + k;
      const lx = k * spacing - CLOTH.size / 2;
      const ly = r * spacing - CLOTH.size / 2;
      flat[3 * p] = ox + c * lx - s * ly;
      flat[3 * p + 1] = oy + s * lx + c * ly;
      flat[3 * p + 2] = radius;
      x[3 * p] = flat[3 * p];
      x[3 * p + 1] = flat[3 * p + 1];
      x[3 * p + 2] = radii[p] + drape(lx / CLOTH.size, ly / CLOTH.size);
      uvs[2 * p] = k / (n - 1);
      uvs[2 * p + 1] = r / (n - 1);
    }
  }
  const triangles = clothTriangles(n);
  const body = new SoftBody(x, new Float64Array(count).fill(CLOTH.mass / count), radii);
  // Cotton on a wooden table; the pusher's own friction is low so that a fold leaning on it is not carried up.
  body.material = {
    tableStaticFriction: 0.7,
    tableDynamicFriction: 0.6,
    pusherFriction: 0.2,
    damping: 1,
  };
  // Stretch is inextensible; with one sweep the pusher squeezing a fold leaves strain that springs back violently.
  body.distanceIterations = 3;
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < n; k++) {
      const p = r * n + k;
      if (k + 1 < n) body.distances.add(x, p, p + 1, 0);
      if (r + 1 < n) body.distances.add(x, p, p + n, 0);
      if (k + 1 < n && r + 1 < n) {
        body.distances.add(x, p, p + n + 1, 1e-6);
        body.distances.add(x, p + 1, p + n, 1e-6);
      }
    }
  }
  // Bending weights come from the flat grid; the drape's creases are remembered as rest curvatures.
  for (const [a, b, e, f] of hinges(triangles)) body.bending.add(flat, a, b, e, f, CLOTH.bendingRigidity, x);
  return {
    body,
    surface: {
      vertexCount: count,
      triangles,
      uvs,
      texture,
      backTexture,
      skin(positions: Float64Array, out: Float32Array): void {
        for (let i = 0; i < 3 * count; i++) out[i] = positions[i];
      },
    },
    substepsAt15Fps: 60,
    pusherTipHeight: CLOTH.pusherTipHeight,
  };
}

/**
 * The seeded drape, a height above the table in metres over the cloth's own coordinates (u, v in [-0.5, 0.5]):
 * a few low raised creases (tent-shaped ridges along random lines, as left by folding the cloth up) over a
 * gentle waviness.
 */
function drapeField(rng: Random): (u: number, v: number) => number {
  const waves = Array.from({ length: CLOTH.waves }, () => {
    const direction = rng.uniform(0, 2 * Math.PI);
    const frequency = 2 * Math.PI * rng.uniform(CLOTH.wavePeriods[0], CLOTH.wavePeriods[1]);
    return {
      kx: frequency * Math.cos(direction),
      ky: frequency * Math.sin(direction),
      phase: rng.uniform(0, 2 * Math.PI),
    };
  });
  const creases = Array.from({ length: CLOTH.creases }, () => {
    const direction = rng.uniform(0, Math.PI);
    return {
      nx: -Math.sin(direction),
      ny: Math.cos(direction),
      offset: rng.uniform(-0.3, 0.3),
      height: CLOTH.creaseHeight * rng.uniform(0.7, 1),
      halfWidth: CLOTH.creaseHalfWidth * rng.uniform(0.8, 1.25),
    };
  });
  return (u, v) => {
    let h = 0;
    for (const w of waves)
      h += (CLOTH.waveHeight / (2 * waves.length)) * (1 + Math.sin(w.kx * u + w.ky * v + w.phase));
    for (const c of creases) {
      const distance = Math.abs(c.nx * u + c.ny * v - c.offset) * CLOTH.size;
      h += c.height * Math.max(0, 1 - distance / c.halfWidth);
    }
    return h;
  };
}

/** Two triangles per grid cell, counter-clockwise seen from above, diagonals alternating in a checkerboard. */
export function clothTriangles(n: number): Uint32Array {
  const out: number[] = [];
  for (let r = 0; r + 1 < n; r++) {
    for (let k = 0; k + 1 < n; k++) {
      const a = r * n + k;
      const b = a + 1;
      const d = a + n;
      const e = d + 1;
      if ((r + k) % 2 === 0) out.push(a, b, e, a, e, d);
      else out.push(a, b, d, b, e, d);
    }
  }
  return Uint32Array.from(out);
}

/**
 * For every edge shared by two triangles, the hinge [a, b, c, d]: the edge (a, b) and the vertices c and d
 * opposite it in the two triangles.
 */
export function hinges(triangles: Uint32Array): [number, number, number, number][] {
  const firstOpposite = new Map<string, number>();
  const out: [number, number, number, number][] = [];
  for (let t = 0; t < triangles.length; t += 3) {
    for (let e = 0; e < 3; e++) {
      const a = triangles[t + e];
      const b = triangles[t + ((e + 1) % 3)];
      const opposite = triangles[t + ((e + 2) % 3)];
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      const other = firstOpposite.get(key);
      if (other === undefined) firstOpposite.set(key, opposite);
      else out.push([a, b, other, opposite]);
    }
  }
  return out;
}

/** For every edge shared by two triangles, the two vertices opposite it. */
export function oppositeVertexPairs(triangles: Uint32Array): [number, number][] {
  return hinges(triangles).map(([, , c, d]) => [c, d]);
}

const CLOTH_COLOURS: Rgb[] = [
  [200, 40, 50],
  [30, 90, 160],
  [40, 140, 70],
  [240, 190, 40],
  [120, 60, 150],
  [240, 240, 230],
  [30, 30, 40],
  [230, 120, 40],
];

function pick(rng: Random, avoid: Rgb[] = []): Rgb {
  for (;;) {
    const c = CLOTH_COLOURS[rng.int(CLOTH_COLOURS.length)];
    if (!avoid.includes(c)) return c;
  }
}

/** Front: a tartan (crossing bands of two colours over a base) with a few printed shapes and weave noise. */
export function clothFrontTexture(rng: Random): Texture {
  const size = 256;
  const texture = createTexture(size, size);
  const base = pick(rng);
  const bandA = pick(rng, [base]);
  const bandB = pick(rng, [base, bandA]);
  const period = 32 + 8 * rng.int(4);
  const offset = rng.int(period);
  const weave = tilingFractalNoise(rng, size, size, 16, 16, 3);
  const band = (i: number, width: number) => wrap(i + offset, period) < width;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let c = base;
      const h = band(y, 10);
      const v = band(x, 10);
      if (h && v) c = mix(bandA, bandB, 0.5);
      else if (h) c = mix(base, bandA, 0.7);
      else if (v) c = mix(base, bandB, 0.7);
      if (band(x + period / 2, 2) || band(y + period / 2, 2)) c = mix(c, [255, 255, 255], 0.5);
      setTexel(texture, x, y, shade(c, 0.8 + 0.35 * weave[y * size + x]));
    }
  }
  const shapes = 5 + rng.int(4);
  for (let i = 0; i < shapes; i++) {
    const colour = pick(rng, [base]);
    const cx = rng.uniform(20, size - 20);
    const cy = rng.uniform(20, size - 20);
    const r = rng.uniform(8, 18);
    if (rng.next() < 0.5) fillDisc(texture, cx, cy, r, colour);
    else fillStar(texture, cx, cy, r, rng.uniform(0, Math.PI), colour);
  }
  return texture;
}

/** Back: a different base colour with seeded polka dots of two sizes and a mottled dye. */
export function clothBackTexture(rng: Random): Texture {
  const size = 256;
  const texture = createTexture(size, size);
  const base = pick(rng);
  const dot = pick(rng, [base]);
  const mottle = tilingFractalNoise(rng, size, size, 4, 4, 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      setTexel(texture, x, y, shade(base, 0.7 + 0.5 * mottle[y * size + x]));
    }
  }
  const dots = 40 + rng.int(20);
  for (let i = 0; i < dots; i++) {
    fillDisc(texture, rng.uniform(0, size), rng.uniform(0, size), rng.next() < 0.3 ? 9 : 4, dot);
  }
  return texture;
}

/** A five-pointed star: a texel is inside when its radius is under the star's radius at its angle. */
function fillStar(texture: Texture, cx: number, cy: number, r: number, turn: number, colour: Rgb): void {
  const reach = Math.ceil(r);
  for (let dy = -reach; dy <= reach; dy++) {
    for (let dx = -reach; dx <= reach; dx++) {
      const angle = Math.atan2(dy, dx) - turn;
      const lobe = Math.abs((((((angle / (2 * Math.PI)) * 5) % 1) + 1) % 1) - 0.5) * 2;
      const edge = r * (0.45 + 0.55 * lobe);
      if (Math.hypot(dx, dy) > edge) continue;
      const x = wrap(Math.round(cx) + dx, texture.width);
      const y = wrap(Math.round(cy) + dy, texture.height);
      setTexel(texture, x, y, mix(getTexel(texture, x, y), colour, 0.9));
    }
  }
}
