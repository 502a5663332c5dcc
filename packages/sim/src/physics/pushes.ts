import type { Random, Vec3 } from '@gsdyn/geometry';

/** A straight push of the pusher tip along a horizontal direction, between two frames. */
export interface Push {
  /** Tip centre at the start of the push, world metres. */
  start: Vec3;
  /** Unit, horizontal. */
  direction: Vec3;
  /** Metres travelled by the tip from startFrame to endFrame. */
  length: number;
  startFrame: number;
  endFrame: number;
}

/** Where the robot may put the pusher (world x and y ranges, metres). */
export const WORKSPACE = { x: [-0.3, 0.3], y: [-0.4, 0.4] } as const;

export interface PushDraw {
  start: Vec3;
  direction: Vec3;
  length: number;
}

/**
 * Draws a push that is aimed at the object: a random particle as the target, a random horizontal direction,
 * the start 3-4.5 cm before the object's near edge along the line of the push (clear of every particle), and a
 * length uniform in 5-20 cm. Returns undefined when this draw does not fit (start or end outside the workspace,
 * start overlapping a particle); the caller draws again. Whether it really makes contact is up to the
 * simulation to confirm.
 */
export function drawPush(
  rng: Random,
  x: Float64Array,
  radius: Float64Array,
  pusherRadius: number,
  tipHeight: number,
): PushDraw | undefined {
  const n = radius.length;
  const target = rng.int(n);
  const angle = rng.uniform(0, 2 * Math.PI);
  const gap = rng.uniform(0.03, 0.045);
  const length = rng.uniform(0.05, 0.2);
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const tx = x[3 * target];
  const ty = x[3 * target + 1];
  // The near edge: the first particle along the line that the cylinder's swept band would meet.
  let nearest = 0;
  for (let p = 0; p < n; p++) {
    if (x[3 * p + 2] + radius[p] <= tipHeight) continue;
    const rx = x[3 * p] - tx;
    const ry = x[3 * p + 1] - ty;
    const along = rx * dx + ry * dy;
    const across = Math.abs(-rx * dy + ry * dx);
    if (across >= pusherRadius + radius[p]) continue;
    // Distance along the line at which the cylinder first touches this particle.
    const touch = along - Math.sqrt((pusherRadius + radius[p]) ** 2 - across * across);
    if (touch < nearest) nearest = touch;
  }
  const sx = tx + dx * (nearest - gap);
  const sy = ty + dy * (nearest - gap);
  const ex = sx + dx * length;
  const ey = sy + dy * length;
  if (!inWorkspace(sx, sy, 0) || !inWorkspace(ex, ey, 0.05)) return undefined;
  for (let p = 0; p < n; p++) {
    if (x[3 * p + 2] + radius[p] <= tipHeight) continue;
    const clearance = Math.hypot(x[3 * p] - sx, x[3 * p + 1] - sy) - pusherRadius - radius[p];
    if (clearance < 0.01) return undefined;
  }
  return { start: [sx, sy, tipHeight], direction: [dx, dy, 0], length };
}

function inWorkspace(px: number, py: number, margin: number): boolean {
  return (
    px >= WORKSPACE.x[0] + margin &&
    px <= WORKSPACE.x[1] - margin &&
    py >= WORKSPACE.y[0] + margin &&
    py <= WORKSPACE.y[1] - margin
  );
}

export interface MotionSpeeds {
  /** Pushing speed, m/s. */
  push: number;
  /** Raised horizontal travel, m/s. */
  travel: number;
  /** Raising and lowering, m/s. */
  vertical: number;
}

/**
 * Appends the pusher tip's pose at each following frame for a straight move from `from` to `to` at `speed`,
 * taking a whole number of frames (at least one) so that every move starts and ends on a frame.
 */
export function appendMove(path: Vec3[], from: Vec3, to: Vec3, speed: number, fps: number): number {
  const distance = Math.hypot(to[0] - from[0], to[1] - from[1], to[2] - from[2]);
  if (distance === 0) return 0;
  const frames = Math.max(1, Math.round((distance / speed) * fps));
  for (let f = 1; f < frames; f++) {
    const t = f / frames;
    path.push([
      from[0] + (to[0] - from[0]) * t,
      from[1] + (to[1] - from[1]) * t,
      from[2] + (to[2] - from[2]) * t,
    ]);
  }
  // The last pose is `to` exactly, not up to rounding, so that a move ends where the next one starts.
  path.push([to[0], to[1], to[2]]);
  return frames;
}
