import type { Random } from '@gsdyn/geometry';
import { SoftBody } from '../physics/soft-body.js';
import type { Texture } from '../render/mesh.js';
import type { SimObject, SkinnedSurface } from './sim-object.js';
import { tilingFractalNoise } from './texture-noise.js';
import { createTexture, mix, type Rgb, setTexel, shade } from './texture-paint.js';

export const ROPE = {
  length: 0.5,
  radius: 0.01,
  /** Centre-line particles (one every centimetre). */
  particles: 51,
  mass: 0.05,
  /** Sides of the tube mesh around the centre line. */
  sides: 10,
  /** The pusher tip rides 6 mm above the table: the rope (top at 2 cm) cannot slip under it. */
  pusherTipHeight: 0.006,
} as const;

/**
 * A rope lying on the table in a gentle seeded curve: a chain of particles with stretch (i, i+1) and bending
 * (i, i+2) distance constraints, skinned by a braided-looking tube.
 */
export function createRope(rng: Random): SimObject {
  const n = ROPE.particles;
  const spacing = ROPE.length / (n - 1);
  const x = new Float64Array(3 * n);
  // Curvature is a sum of two slow sines with seeded amplitude and phase; heading is its integral.
  const amplitude = [rng.uniform(2, 6) * sign(rng), rng.uniform(1, 4) * sign(rng)];
  const frequency = [rng.uniform(0.5, 1.2), rng.uniform(1.2, 2.2)].map(
    (f) => (2 * Math.PI * f) / ROPE.length,
  );
  const phase = [rng.uniform(0, 2 * Math.PI), rng.uniform(0, 2 * Math.PI)];
  let heading = rng.uniform(0, 2 * Math.PI);
  let px = 0;
  let py = 0;
  for (let i = 0; i < n; i++) {
    x[3 * i] = px;
    x[3 * i + 1] = py;
    x[3 * i + 2] = ROPE.radius;
    const s = (i + 0.5) * spacing;
    const curvature =
      amplitude[0] * Math.sin(frequency[0] * s + phase[0]) +
      amplitude[1] * Math.sin(frequency[1] * s + phase[1]);
    heading += curvature * spacing;
    px += spacing * Math.cos(heading);
    py += spacing * Math.sin(heading);
  }
  centreOnTable(x, rng.uniform(-0.02, 0.02), rng.uniform(-0.02, 0.02));
  const body = new SoftBody(
    x,
    new Float64Array(n).fill(ROPE.mass / n),
    new Float64Array(n).fill(ROPE.radius),
  );
  body.material = { tableStaticFriction: 0.5, tableDynamicFriction: 0.4, pusherFriction: 0.2, damping: 1 };
  for (let i = 0; i + 1 < n; i++) body.distances.add(x, i, i + 1, 0, spacing);
  for (let i = 0; i + 2 < n; i++) body.distances.add(x, i, i + 2, 2e-3);
  return {
    body,
    surface: ropeSurface(n, ROPE.radius, ROPE.sides, ropeTexture(rng)),
    substepsAt15Fps: 40,
    pusherTipHeight: ROPE.pusherTipHeight,
    restLength: (n - 1) * spacing,
  };
}

function sign(rng: Random): number {
  return rng.next() < 0.5 ? -1 : 1;
}

/** Moves the particles so that their centroid is at (cx, cy) in the plane (heights unchanged). */
function centreOnTable(x: Float64Array, cx: number, cy: number): void {
  const n = x.length / 3;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[3 * i] / n;
    my += x[3 * i + 1] / n;
  }
  for (let i = 0; i < n; i++) {
    x[3 * i] += cx - mx;
    x[3 * i + 1] += cy - my;
  }
}

/**
 * A tube of `sides` around the centre line with a ring per particle (plus a seam column so u runs 0..1) and a
 * cone cap at each end. Ring frames: the tangent from the neighbours, the normal = world up made orthogonal to
 * it. The rope lies on the table, so this frame is well defined and the texture does not spin around the rope.
 */
export function ropeSurface(n: number, radius: number, sides: number, texture: Texture): SkinnedSurface {
  const ring = sides + 1;
  const vertexCount = n * ring + 2;
  const startCap = n * ring;
  const endCap = startCap + 1;
  const uvs = new Float32Array(2 * vertexCount);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k <= sides; k++) {
      uvs[2 * (i * ring + k)] = k / sides;
      uvs[2 * (i * ring + k) + 1] = i / (n - 1);
    }
  }
  uvs.set([0.5, 0, 0.5, 1], 2 * startCap);
  const triangles: number[] = [];
  for (let i = 0; i + 1 < n; i++) {
    for (let k = 0; k < sides; k++) {
      const a = i * ring + k;
      const c = a + ring;
      // The ring turns counter-clockwise about the tangent, so (a, a+1, c) faces outwards.
      triangles.push(a, a + 1, c, a + 1, c + 1, c);
    }
  }
  for (let k = 0; k < sides; k++) {
    triangles.push(startCap, k + 1, k);
    triangles.push(endCap, (n - 1) * ring + k, (n - 1) * ring + k + 1);
  }
  const cos = Float64Array.from({ length: ring }, (_, k) => Math.cos((2 * Math.PI * k) / sides));
  const sin = Float64Array.from({ length: ring }, (_, k) => Math.sin((2 * Math.PI * k) / sides));
  return {
    vertexCount,
    triangles: Uint32Array.from(triangles),
    uvs,
    texture,
    skin(x: Float64Array, out: Float32Array): void {
      let tx = 0;
      let ty = 0;
      let tz = 0;
      for (let i = 0; i < n; i++) {
        const a = 3 * Math.max(i - 1, 0);
        const b = 3 * Math.min(i + 1, n - 1);
        tx = x[b] - x[a];
        ty = x[b + 1] - x[a + 1];
        tz = x[b + 2] - x[a + 2];
        const tl = Math.hypot(tx, ty, tz) || 1;
        tx /= tl;
        ty /= tl;
        tz /= tl;
        // normal = up - (up . t) t, normalised; a vertical tangent falls back to world x.
        let nx = -tz * tx;
        let ny = -tz * ty;
        let nz = 1 - tz * tz;
        let nl = Math.hypot(nx, ny, nz);
        if (nl < 1e-6) {
          nx = 1 - tx * tx;
          ny = -tx * ty;
          nz = -tx * tz;
          nl = Math.hypot(nx, ny, nz);
        }
        nx /= nl;
        ny /= nl;
        nz /= nl;
        const bx = ty * nz - tz * ny;
        const by = tz * nx - tx * nz;
        const bz = tx * ny - ty * nx;
        const cx = x[3 * i];
        const cy = x[3 * i + 1];
        const cz = x[3 * i + 2];
        for (let k = 0; k < ring; k++) {
          const o = 3 * (i * ring + k);
          out[o] = cx + radius * (cos[k] * nx + sin[k] * bx);
          out[o + 1] = cy + radius * (cos[k] * ny + sin[k] * by);
          out[o + 2] = cz + radius * (cos[k] * nz + sin[k] * bz);
        }
        if (i === 0) writeCap(out, startCap, cx, cy, cz, tx, ty, tz, -0.5 * radius);
        if (i === n - 1) writeCap(out, endCap, cx, cy, cz, tx, ty, tz, 0.5 * radius);
      }
    },
  };
}

function writeCap(
  out: Float32Array,
  v: number,
  cx: number,
  cy: number,
  cz: number,
  tx: number,
  ty: number,
  tz: number,
  offset: number,
): void {
  out[3 * v] = cx + offset * tx;
  out[3 * v + 1] = cy + offset * ty;
  out[3 * v + 2] = cz + offset * tz;
}

const ROPE_PALETTES: Rgb[][] = [
  [
    [230, 220, 190],
    [200, 40, 40],
    [30, 50, 120],
  ],
  [
    [240, 200, 60],
    [30, 120, 70],
    [235, 235, 235],
  ],
  [
    [220, 110, 30],
    [60, 60, 70],
    [200, 200, 210],
  ],
];

/**
 * A three-strand braid: u runs around the rope, v along all of it (0.5 m over 1024 texels). Strands are helical
 * stripes with rounded shading and fibre noise; sparse tracer flecks break the periodicity so a tracker can
 * tell one turn of the helix from the next.
 */
export function ropeTexture(rng: Random): Texture {
  const width = 64;
  const height = 1024;
  const texture = createTexture(width, height);
  const palette = ROPE_PALETTES[rng.int(ROPE_PALETTES.length)];
  const tracer: Rgb = [rng.uniform(0, 80), rng.uniform(150, 230), rng.uniform(0, 80)];
  const turns = 20;
  const fibre = tilingFractalNoise(rng, width, height, 8, 64, 3);
  const blotch = tilingFractalNoise(rng, width, height, 2, 24, 2);
  for (let y = 0; y < height; y++) {
    const v = y / height;
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const t = 3 * (u + turns * v);
      const strand = Math.floor(t) % 3;
      const across = t - Math.floor(t);
      const k = y * width + x;
      let colour = palette[strand];
      if (strand === 0 && blotch[k] > 0.62) colour = tracer;
      const light = (0.65 + 0.35 * Math.sin(Math.PI * across)) * (0.8 + 0.4 * fibre[k]);
      setTexel(texture, x, y, shade(mix(colour, [0, 0, 0], 0.15 * (1 - blotch[k])), light));
    }
  }
  return texture;
}
