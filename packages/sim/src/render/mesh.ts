/**
 * What the synthetic rig's software rasteriser draws: triangle meshes with a texture, in world metres.
 * Objects (rope, cloth, plush) produce one of these per frame from their particles; the table and the pusher
 * are meshes too. This file is the contract between the objects (packages/sim/src/objects) and the renderer
 * (packages/sim/src/render).
 */

/** An 8-bit RGB texture, row-major from the top row (v = 0 is the top), 3 bytes per texel. */
export interface Texture {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface TexturedMesh {
  /** Vertex positions, 3 per vertex, world metres. */
  positions: Float32Array;
  /** Texture coordinates, 2 per vertex; repeat-wrapped. */
  uvs: Float32Array;
  /** Vertex indices, 3 per triangle, counter-clockwise seen from the front (outside). */
  triangles: Uint32Array;
  /** Texture of the front faces. */
  texture: Texture;
  /**
   * Texture of the back faces. When absent, back faces are culled (closed surfaces such as the rope tube and
   * the plush); a cloth sets it to draw both of its printed sides.
   */
  backTexture?: Texture;
  /** True for the object being pushed: its pixels form the object mask. The table and the pusher are false. */
  isObject: boolean;
}
