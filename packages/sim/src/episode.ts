import {
  createEpisodeWriter,
  EPISODE_FORMAT_VERSION,
  type EpisodeManifestDraft,
  encodeColorPng,
  type RgbImage,
} from '@gsdyn/formats';
import { intrinsicMatrix, mat4ToRows, Random } from '@gsdyn/geometry';
import { composeContactSheet } from './render/contact-sheet.js';
import { type DepthNoiseOptions, depthToMillimetres } from './render/depth-sensor.js';
import type { TexturedMesh } from './render/mesh.js';
import { renderScene } from './render/rasterizer.js';
import { pointVisibility } from './render/visibility.js';
import { makeCameraRig } from './rig.js';
import { makePusher } from './scene/pusher.js';
import { makeTable } from './scene/table.js';
import { evaluateSurfacePoints, type ObjectKind, simulateObject } from './simulate.js';
import { sampleExteriorSurfacePoints } from './truth-points.js';

export interface SimEpisodeOptions {
  kind: ObjectKind;
  frames: number;
  width: number;
  height: number;
  views: number;
  seed: number;
  fps?: number;
  /** Ground-truth surface points fixed on the mesh. */
  surfacePoints?: number;
  /** Colour antialiasing: s x s samples per pixel. */
  supersample?: number;
  depthNoise?: DepthNoiseOptions;
  /** Replace an existing output directory. */
  overwrite?: boolean;
  /** Frames shown in the contact sheet (default: four spread over the episode). */
  contactSheetFrames?: number[];
}

export interface SimEpisodeSummary {
  dir: string;
  kind: ObjectKind;
  frames: number;
  cameras: number;
  particles: number;
  surfacePoints: number;
  pushes: number;
  /** Mean fraction of ground-truth points visible per camera and frame. */
  meanVisibility: number;
  seconds: { physics: number; render: number; total: number };
}

export type SimProgress = (stage: 'physics' | 'render', done: number, total: number) => void;

/** The workspace the rig looks at, world metres (z up, table at z = 0). */
export const SIM_WORKSPACE = {
  min: [-0.3, -0.4, 0] as [number, number, number],
  max: [0.3, 0.4, 0.3] as [number, number, number],
};

/** Colour beyond the table's far edge: a grey lab wall rather than a void. It has no depth reading (out of range). */
const BACKDROP: [number, number, number] = [92, 96, 102];

/**
 * Ground-truth visibility: a point is visible in a camera when its pixel is an object pixel whose depth matches the
 * point's within this tolerance (see `pointVisibility` with a mask): the image depicts it there.
 */
const VISIBILITY_TOLERANCE_M = 0.003;

/**
 * Simulates one episode (XPBD physics of the object pushed by the robot), renders colour, depth and mask for every
 * camera and frame, and writes it atomically in the episode format with ground truth and a contact sheet.
 */
export async function generateEpisode(
  outDir: string,
  options: SimEpisodeOptions,
  onProgress?: SimProgress,
): Promise<SimEpisodeSummary> {
  checkOptions(options);
  const t0 = performance.now();
  const fps = options.fps ?? 15;
  const sim = simulateObject(options.kind, { frames: options.frames, fps, seed: options.seed }, (f, n) =>
    onProgress?.('physics', f, n),
  );
  const tPhysics = performance.now();

  // Separate streams so that changing one consumer (e.g. the number of surface points) leaves the others alone.
  const rng = new Random(options.seed ^ 0x5eed5);
  const surfaceRng = rng.fork();
  const depthRng = rng.fork();
  const cameras = makeCameraRig({ width: options.width, height: options.height, views: options.views });
  const { triangles, uvs, texture, backTexture } = sim.surface;
  const K = options.surfacePoints ?? 512;
  const binding = sampleExteriorSurfacePoints(triangles, sim.surface.vertices[0], K, surfaceRng);
  const T = options.frames;
  const C = cameras.length;
  const surfacePoints = new Float32Array(T * K * 3);
  const visibility = new Uint8Array(T * C * K);
  const particles = new Float32Array(T * sim.particleCount * 3);
  const table = makeTable();
  const sheetFrames = options.contactSheetFrames ?? spreadFrames(T, 4);
  const sheetTiles = new Map<number, RgbImage>();

  const writer = await createEpisodeWriter(outDir, { overwrite: options.overwrite, colorFormat: 'png' });
  const pending: Promise<void>[] = [];
  try {
    let visibleCount = 0;
    for (let t = 0; t < T; t++) {
      const points = evaluateSurfacePoints(binding, triangles, sim.surface.vertices[t]);
      surfacePoints.set(points, t * K * 3);
      particles.set(sim.particles[t], t * sim.particleCount * 3);
      const object: TexturedMesh = {
        positions: sim.surface.vertices[t],
        uvs,
        triangles,
        texture,
        backTexture,
        isObject: true,
      };
      const pusher = makePusher(sim.endEffector[t], sim.pusherRadius);
      for (let c = 0; c < C; c++) {
        const cam = cameras[c];
        const frame = renderScene([table, object, pusher], cam, {
          supersample: options.supersample ?? 3,
          background: BACKDROP,
        });
        const vis = pointVisibility(points, cam, frame.depth, VISIBILITY_TOLERANCE_M, frame.mask);
        visibility.set(vis, (t * C + c) * K);
        for (let k = 0; k < K; k++) visibleCount += vis[k];
        const color: RgbImage = { width: frame.width, height: frame.height, data: frame.color };
        if (sheetFrames.includes(t)) sheetTiles.set(t * C + c, color);
        const depthMm = depthToMillimetres(frame.depth, options.depthNoise ?? {}, depthRng);
        pending.push(
          writer.writeColor(cam.id, t, color),
          writer.writeDepth(cam.id, t, { width: frame.width, height: frame.height, data: depthMm }),
          writer.writeMask(cam.id, t, { width: frame.width, height: frame.height, data: frame.mask }),
        );
      }
      // Encoding runs on libuv's thread pool while we render the next frame; bound the backlog.
      if (pending.length > 6 * C) await Promise.all(pending.splice(0));
      onProgress?.('render', t + 1, T);
    }
    await Promise.all(pending);
    await writer.writeTruth({
      frames: T,
      count: K,
      surfacePoints,
      surfaceVisibility: visibility,
      cameras: C,
      particles,
      particleCount: sim.particleCount,
    });
    const sheet = composeContactSheet(
      sheetFrames.map((t) =>
        cameras.map((cam, c) => ({ image: sheetTiles.get(t * C + c)!, label: `${cam.id} t=${t}` })),
      ),
    );
    await writer.writeFile('contact_sheet.png', await encodeColorPng(sheet));
    const manifest: EpisodeManifestDraft = {
      format: 'gsdyn.episode',
      version: EPISODE_FORMAT_VERSION,
      name: `${options.kind}-seed${options.seed}`,
      object: { kind: options.kind, description: `gsdyn sim ${options.kind}` },
      fps,
      frameCount: T,
      cameras: cameras.map((cam) => ({
        id: cam.id,
        width: cam.width,
        height: cam.height,
        K: intrinsicMatrix(cam),
        worldToCamera: mat4ToRows(cam.worldToCamera),
      })),
      endEffector: { radius: sim.pusherRadius, positions: sim.endEffector.map((p) => [p[0], p[1], p[2]]) },
      workspace: SIM_WORKSPACE,
      source: {
        importer: 'gsdyn sim',
        kind: options.kind,
        seed: options.seed,
        supersample: options.supersample ?? 3,
        depthNoise: options.depthNoise ?? {},
        pushes: sim.pushes,
      },
    };
    const dir = await writer.commit(manifest);
    const tEnd = performance.now();
    return {
      dir,
      kind: options.kind,
      frames: T,
      cameras: C,
      particles: sim.particleCount,
      surfacePoints: K,
      pushes: sim.pushes.length,
      meanVisibility: visibleCount / (T * C * K),
      seconds: {
        physics: (tPhysics - t0) / 1000,
        render: (tEnd - tPhysics) / 1000,
        total: (tEnd - t0) / 1000,
      },
    };
  } catch (error) {
    // Let in-flight image writes settle before the temp directory goes, or they would fail into the void.
    await Promise.allSettled(pending);
    await writer.abort();
    throw error;
  }
}

function checkOptions(o: SimEpisodeOptions): void {
  const integer = (name: string, value: number | undefined, min: number, max: number) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max))
      throw new RangeError(`generateEpisode: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  };
  integer('frames', o.frames, 1, 1e6);
  integer('width', o.width, 16, 8192);
  integer('height', o.height, 16, 8192);
  integer('views', o.views, 1, 8);
  integer('surfacePoints', o.surfacePoints, 1, 1e7);
  integer('supersample', o.supersample, 1, 8);
}

/** `n` frame indices spread evenly from the first to the last frame. */
export function spreadFrames(frames: number, n: number): number[] {
  if (frames <= n) return Array.from({ length: frames }, (_, i) => i);
  return Array.from({ length: n }, (_, i) => Math.round((i * (frames - 1)) / (n - 1)));
}
