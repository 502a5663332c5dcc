import { solvePusherContacts, solveTableContacts } from './contacts.js';
import type { PusherPose } from './pusher.js';
import type { SoftBody } from './soft-body.js';

export const GRAVITY = 9.81;

export interface StepPusher {
  /** Pose at the start of the step and at its end; the pusher moves linearly in between. */
  from: PusherPose;
  to: PusherPose;
  radius: number;
  /** Marks particles the pusher touched during the step. */
  touched?: Uint8Array;
}

/**
 * Advances the body by dt with XPBD in `substeps` small steps of one constraint iteration each (Macklin et al.
 * 2019, "Small steps in physics simulation"): predict with gravity, project the constraints (stretch, shear,
 * bending, volume, shape matching), then the contacts (pusher, then table, which both have the last word over the soft
 * constraints), and derive velocities from the positions.
 */
export function step(body: SoftBody, dt: number, substeps: number, pusher?: StepPusher): void {
  if (!(dt > 0) || !Number.isInteger(substeps) || substeps < 1) {
    throw new RangeError(
      `step: dt must be > 0 and substeps a positive integer, got dt=${dt}, substeps=${substeps}`,
    );
  }
  const h = dt / substeps;
  const { positions: x, previous, velocities: v, inverseMass, radius, material } = body;
  const n = body.count;
  const keep = Math.exp(-material.damping * h);
  const from: PusherPose = { x: 0, y: 0, z: 0 };
  const to: PusherPose = { x: 0, y: 0, z: 0 };
  let fallback: [number, number] = [1, 0];
  if (pusher !== undefined) {
    const mx = pusher.to.x - pusher.from.x;
    const my = pusher.to.y - pusher.from.y;
    const m = Math.hypot(mx, my);
    if (m > 0) fallback = [mx / m, my / m];
  }
  for (let s = 0; s < substeps; s++) {
    for (let p = 0; p < n; p++) {
      const i = 3 * p;
      previous[i] = x[i];
      previous[i + 1] = x[i + 1];
      previous[i + 2] = x[i + 2];
      if (inverseMass[p] === 0) continue;
      v[i + 2] -= GRAVITY * h;
      x[i] += v[i] * h;
      x[i + 1] += v[i + 1] * h;
      x[i + 2] += v[i + 2] * h;
    }
    for (let k = 0; k < body.distanceIterations; k++) body.distances.solve(x, inverseMass, h);
    body.bending.solve(x, inverseMass, h);
    body.volumes.solve(x, inverseMass, h);
    body.shapeMatching?.solve(x, h, radius);
    if (pusher !== undefined) {
      lerpPose(pusher.from, pusher.to, s / substeps, from);
      lerpPose(pusher.from, pusher.to, (s + 1) / substeps, to);
      solvePusherContacts(
        x,
        previous,
        inverseMass,
        radius,
        from,
        to,
        pusher.radius,
        material,
        fallback,
        pusher.touched,
      );
    }
    solveTableContacts(x, previous, inverseMass, radius, material);
    for (let i = 0; i < 3 * n; i++) v[i] = ((x[i] - previous[i]) / h) * keep;
  }
}

function lerpPose(a: PusherPose, b: PusherPose, t: number, out: PusherPose): void {
  out.x = a.x + (b.x - a.x) * t;
  out.y = a.y + (b.y - a.y) * t;
  out.z = a.z + (b.z - a.z) * t;
}
