import { applyFriction } from './friction.js';
import type { PusherPose } from './pusher.js';

export interface ContactMaterial {
  tableStaticFriction: number;
  tableDynamicFriction: number;
  pusherFriction: number;
}

/**
 * Table contact: the table is the plane z = 0, so a particle's centre stays at z >= its radius. Friction acts
 * on the particle's displacement over the substep (the table does not move).
 */
export function solveTableContacts(
  x: Float64Array,
  previous: Float64Array,
  inverseMass: Float64Array,
  radius: Float64Array,
  material: ContactMaterial,
): void {
  const n = radius.length;
  for (let p = 0; p < n; p++) {
    const i = 3 * p;
    const depth = radius[p] - x[i + 2];
    if (depth <= 0 || inverseMass[p] === 0) continue;
    x[i + 2] = radius[p];
    applyFriction(
      x,
      i,
      x[i] - previous[i],
      x[i + 1] - previous[i + 1],
      0,
      0,
      0,
      1,
      depth,
      material.tableStaticFriction,
      material.tableDynamicFriction,
    );
  }
}

/**
 * Pusher contact: a particle that overlaps the cylinder (horizontally closer than pusher radius + particle
 * radius, and reaching above the tip: z + r > tip height) is moved radially out of it, with friction relative
 * to the pusher's own motion over the substep (from `from` to `to`). Returns how many particles it pushed and
 * marks them in `touched`.
 */
export function solvePusherContacts(
  x: Float64Array,
  previous: Float64Array,
  inverseMass: Float64Array,
  radius: Float64Array,
  from: PusherPose,
  to: PusherPose,
  pusherRadius: number,
  material: ContactMaterial,
  fallbackDirection: [number, number],
  touched: Uint8Array | undefined,
): number {
  const n = radius.length;
  let pushed = 0;
  const mx = to.x - from.x;
  const my = to.y - from.y;
  const mz = to.z - from.z;
  for (let p = 0; p < n; p++) {
    if (inverseMass[p] === 0) continue;
    const i = 3 * p;
    const r = radius[p];
    if (x[i + 2] + r <= to.z) continue;
    const dx = x[i] - to.x;
    const dy = x[i + 1] - to.y;
    const reach = pusherRadius + r;
    const d2 = dx * dx + dy * dy;
    if (d2 >= reach * reach) continue;
    const d = Math.sqrt(d2);
    // A particle exactly on the axis has no radial direction; push it along the pusher's motion.
    const nx = d > 1e-12 ? dx / d : fallbackDirection[0];
    const ny = d > 1e-12 ? dy / d : fallbackDirection[1];
    const depth = reach - d;
    x[i] += nx * depth;
    x[i + 1] += ny * depth;
    applyFriction(
      x,
      i,
      x[i] - previous[i] - mx,
      x[i + 1] - previous[i + 1] - my,
      x[i + 2] - previous[i + 2] - mz,
      nx,
      ny,
      0,
      depth,
      material.pusherFriction,
      material.pusherFriction,
    );
    pushed++;
    if (touched !== undefined) touched[p] = 1;
  }
  return pushed;
}
