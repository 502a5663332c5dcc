import type { SoftBody } from '../physics/soft-body.js';
import type { Texture } from '../render/mesh.js';

/** What simulate.ts needs from an object: its particles and constraints, and its skinned textured surface. */
export interface SimObject {
  body: SoftBody;
  surface: SkinnedSurface;
  /** Height of the pusher tip above the table while pushing this object (low enough to catch it). */
  pusherTipHeight: number;
  /**
   * XPBD substeps per frame at 15 fps that this object needs: with one iteration per substep, a push or the
   * table's support travels through the body only a little per substep, so bigger bodies need smaller steps.
   */
  substepsAt15Fps: number;
  /** Rope only: the rest length of the centre line. */
  restLength?: number;
}

/** A fixed-topology textured mesh whose vertices are a function of the particle positions. */
export interface SkinnedSurface {
  vertexCount: number;
  triangles: Uint32Array;
  uvs: Float32Array;
  texture: Texture;
  backTexture?: Texture;
  /** Writes the 3 x vertexCount vertex positions for particle positions `x` (3 per particle) into `out`. */
  skin(x: Float64Array, out: Float32Array): void;
}
