import { Random, type Vec3 } from '@gsdyn/geometry';
import { createCloth } from './objects/cloth.js';
import { createPlush } from './objects/plush.js';
import { createRope } from './objects/rope.js';
import type { SimObject } from './objects/sim-object.js';
import { appendMove, drawPush, type Push, type PushDraw } from './physics/pushes.js';
import type { SoftBody } from './physics/soft-body.js';
import { step } from './physics/solver.js';
import type { Texture } from './render/mesh.js';

export {
  evaluateSurfacePoints,
  type SurfaceBinding,
  sampleSurfacePoints,
} from './objects/surface-points.js';
export type { Push } from './physics/pushes.js';

export type ObjectKind = 'rope' | 'cloth' | 'plush';

export const OBJECT_KINDS: readonly ObjectKind[] = ['rope', 'cloth', 'plush'];

export interface SimulateOptions {
  frames: number;
  /** Frames per second (15). */
  fps?: number;
  seed: number;
  /** XPBD substeps per frame (rope 40, cloth 60, plush 20 at 15 fps; scaled to keep the step length at other fps). */
  substeps?: number;
  /** Radius of the cylindrical pusher, metres (0.015). */
  pusherRadius?: number;
  /** Pushing speed, m/s (0.08). */
  pusherSpeed?: number;
}

export interface ObjectSimulation {
  kind: ObjectKind;
  frames: number;
  fps: number;
  particleCount: number;
  /** One per frame, 3 per particle, world metres. */
  particles: Float32Array[];
  /** One per frame: the pusher's tip centre (bottom centre of the cylinder), world metres. */
  endEffector: Vec3[];
  pusherRadius: number;
  pushes: Push[];
  /** The textured surface mesh, fixed topology, skinned to the particles. */
  surface: {
    triangles: Uint32Array;
    uvs: Float32Array;
    texture: Texture;
    backTexture?: Texture;
    /** One per frame, 3 per vertex, world metres. */
    vertices: Float32Array[];
  };
  /** Rope only: rest length of the centre line. */
  restLength?: number;
}

/** Settling time before frame 0, in frames, with strong damping so that frame 0 is at rest. */
const SETTLE_FRAMES = 12;
const SETTLE_DAMPING = 12;
/** A push counts as making contact when some particle moved more than this between its first and last frame. */
const CONTACT_DISPLACEMENT = 0.012;
/** Frames a push needs after its approach to reach the object and move it (3-4.5 cm gap at 8 cm/s, plus 1 cm). */
const MIN_PUSH_FRAMES = 12;
const MAX_DRAWS = 40;
const TRAVEL_SPEED = 0.3;
const VERTICAL_SPEED = 0.15;

const KIND_SALT: Record<ObjectKind, number> = { rope: 0, cloth: 0x3c6ef372, plush: 0x5be0cd19 };

const CREATORS: Record<ObjectKind, (rng: Random) => SimObject> = {
  rope: createRope,
  cloth: createCloth,
  plush: createPlush,
};

/**
 * Simulates one episode: the object settles on the table, then the pusher makes straight pushes at it (each
 * one verified to move the object, re-drawn from a saved state otherwise), raised and moved between pushes,
 * until `frames` frames are recorded. Deterministic in (kind, options).
 */
export function simulateObject(
  kind: ObjectKind,
  options: SimulateOptions,
  onProgress?: (frame: number, frames: number) => void,
): ObjectSimulation {
  const creator = CREATORS[kind];
  if (creator === undefined)
    throw new RangeError(`simulateObject: kind must be one of ${OBJECT_KINDS.join(', ')}, got ${kind}`);
  const frames = options.frames;
  const fps = options.fps ?? 15;
  const pusherRadius = options.pusherRadius ?? 0.015;
  const pushSpeed = options.pusherSpeed ?? 0.08;
  requirePositive('frames', frames, true);
  requirePositive('fps', fps, false);
  requirePositive('pusherRadius', pusherRadius, false);
  requirePositive('pusherSpeed', pushSpeed, false);
  if (!Number.isInteger(options.seed))
    throw new RangeError(`simulateObject: options.seed must be an integer, got ${options.seed}`);

  // The kind is mixed into the seed so that a rope and a cloth of the same seed do not get the same pushes.
  const rng = new Random((options.seed + KIND_SALT[kind]) | 0);
  const object = creator(rng.fork());
  const pushRng = rng.fork();
  const { body, surface } = object;
  const substeps = options.substeps ?? Math.max(1, Math.round((object.substepsAt15Fps * 15) / fps));
  requirePositive('substeps', substeps, true);
  const dt = 1 / fps;
  settle(body, dt, substeps);

  const tipHeight = object.pusherTipHeight;
  const raised = Math.max(0.1, highestPoint(body) + 0.04);
  const particles: Float32Array[] = [];
  const vertices: Float32Array[] = [];
  const endEffector: Vec3[] = [];
  const pushes: Push[] = [];
  const record = (pose: Vec3) => {
    particles.push(Float32Array.from(body.positions));
    const v = new Float32Array(3 * surface.vertexCount);
    surface.skin(body.positions, v);
    vertices.push(v);
    endEffector.push(pose);
  };
  const draw = (): PushDraw | undefined => {
    for (let k = 0; k < MAX_DRAWS; k++) {
      const push = drawPush(pushRng, body.positions, body.radius, pusherRadius, tipHeight);
      if (push !== undefined) return push;
    }
    return undefined;
  };

  // Frame 0: the pusher already waits, lowered, at the start of the first push (or parked if none fits).
  let pending = draw();
  let pose: Vec3 = pending?.start ?? [WORKSPACE_PARK[0], WORKSPACE_PARK[1], raised];
  record(pose);
  onProgress?.(1, frames);

  let pushing = true;
  while (endEffector.length < frames) {
    const remaining = frames - endEffector.length;
    let accepted = false;
    for (let attempt = 0; pushing && attempt < MAX_DRAWS && !accepted; attempt++) {
      const push = pending ?? draw();
      pending = undefined;
      if (push === undefined) break;
      const path: Vec3[] = [];
      approach(path, pose, push.start, raised, fps);
      const pushStart = path.length;
      if (pushStart + MIN_PUSH_FRAMES > remaining) continue;
      const end: Vec3 = [
        push.start[0] + push.direction[0] * push.length,
        push.start[1] + push.direction[1] * push.length,
        push.start[2],
      ];
      appendMove(path, push.start, end, pushSpeed, fps);
      path.length = Math.min(path.length, remaining);
      const saved = body.saveState();
      const touched = new Uint8Array(body.count);
      const trial = simulatePath(body, object, pose, path, dt, substeps, pusherRadius, touched);
      // trial.particles[k] is the state at path[k]; the push starts at the frame where the pusher reached start.
      const first = pushStart === 0 ? particles[particles.length - 1] : trial.particles[pushStart - 1];
      const last = trial.particles[trial.particles.length - 1];
      if (touched.includes(1) && maxDisplacement(first, last) > CONTACT_DISPLACEMENT) {
        const startFrame = endEffector.length - 1 + pushStart;
        const final = path[path.length - 1];
        pushes.push({
          start: push.start,
          direction: push.direction,
          length: Math.hypot(final[0] - push.start[0], final[1] - push.start[1]),
          startFrame,
          endFrame: endEffector.length - 1 + path.length,
        });
        for (let k = 0; k < path.length; k++) {
          particles.push(trial.particles[k]);
          vertices.push(trial.vertices[k]);
          endEffector.push(path[k]);
        }
        pose = final;
        accepted = true;
        onProgress?.(endEffector.length, frames);
      } else {
        body.restoreState(saved);
      }
    }
    if (accepted) continue;
    // No push fits in the frames left (or none makes contact): the pusher rises and waits.
    pushing = false;
    const path: Vec3[] = [];
    appendMove(path, pose, [pose[0], pose[1], Math.max(pose[2], raised)], VERTICAL_SPEED, fps);
    while (path.length < remaining) path.push(path.length > 0 ? path[path.length - 1] : pose);
    path.length = remaining;
    const idle = simulatePath(body, object, pose, path, dt, substeps, pusherRadius, undefined);
    for (let k = 0; k < path.length; k++) {
      particles.push(idle.particles[k]);
      vertices.push(idle.vertices[k]);
      endEffector.push(path[k]);
    }
    onProgress?.(endEffector.length, frames);
  }

  return {
    kind,
    frames,
    fps,
    particleCount: body.count,
    particles,
    endEffector,
    pusherRadius,
    pushes,
    surface: {
      triangles: surface.triangles,
      uvs: surface.uvs,
      texture: surface.texture,
      ...(surface.backTexture === undefined ? {} : { backTexture: surface.backTexture }),
      vertices,
    },
    ...(object.restLength === undefined ? {} : { restLength: object.restLength }),
  };
}

/** Where the pusher waits when no push fits (a corner of the workspace, away from the object). */
const WORKSPACE_PARK = [0.25, 0.35] as const;

function requirePositive(field: string, value: number, integer: boolean): void {
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `simulateObject: options.${field} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`,
    );
  }
}

function settle(body: SoftBody, dt: number, substeps: number): void {
  const damping = body.material.damping;
  body.material.damping = SETTLE_DAMPING;
  for (let f = 0; f < SETTLE_FRAMES; f++) step(body, dt, substeps);
  body.material.damping = damping;
  body.velocities.fill(0);
}

function highestPoint(body: SoftBody): number {
  let top = 0;
  for (let p = 0; p < body.count; p++) top = Math.max(top, body.positions[3 * p + 2] + body.radius[p]);
  return top;
}

/** The robot's way to a push start: up to the travel height, across, and down (nothing if already there). */
function approach(path: Vec3[], from: Vec3, to: Vec3, raised: number, fps: number): void {
  if (from[0] === to[0] && from[1] === to[1] && from[2] === to[2]) return;
  const up: Vec3 = [from[0], from[1], raised];
  const over: Vec3 = [to[0], to[1], raised];
  appendMove(path, from, up, VERTICAL_SPEED, fps);
  appendMove(path, up, over, TRAVEL_SPEED, fps);
  appendMove(path, over, to, VERTICAL_SPEED, fps);
}

/** Steps the body through the pusher poses of `path` (one per frame, starting after `from`), recording each frame. */
function simulatePath(
  body: SoftBody,
  object: SimObject,
  from: Vec3,
  path: Vec3[],
  dt: number,
  substeps: number,
  pusherRadius: number,
  touched: Uint8Array | undefined,
): { particles: Float32Array[]; vertices: Float32Array[] } {
  const particles: Float32Array[] = [];
  const vertices: Float32Array[] = [];
  let previous = from;
  for (const pose of path) {
    step(body, dt, substeps, {
      from: { x: previous[0], y: previous[1], z: previous[2] },
      to: { x: pose[0], y: pose[1], z: pose[2] },
      radius: pusherRadius,
      ...(touched === undefined ? {} : { touched }),
    });
    particles.push(Float32Array.from(body.positions));
    const v = new Float32Array(3 * object.surface.vertexCount);
    object.surface.skin(body.positions, v);
    vertices.push(v);
    previous = pose;
  }
  return { particles, vertices };
}

function maxDisplacement(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i += 3) {
    max = Math.max(max, Math.hypot(b[i] - a[i], b[i + 1] - a[i + 1], b[i + 2] - a[i + 2]));
  }
  return max;
}
