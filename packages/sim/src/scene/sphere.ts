import type { Vec3 } from '@gsdyn/geometry';
import type { Texture, TexturedMesh } from '../render/mesh.js';

/**
 * A UV sphere: `rings` latitude bands by `segments` longitude sectors, u = longitude / 2 pi, v = colatitude / pi
 * (the seam and the poles are duplicated per sector so the texture does not smear). Its vertices lie on the
 * sphere; its faces lie inside it by at most radius * (1 - cos(pi / min(segments, 2 * rings))), roughly.
 */
export function makeUvSphere(
  centre: Vec3,
  radius: number,
  segments: number,
  rings: number,
  texture: Texture,
  isObject = true,
): TexturedMesh {
  if (!Number.isInteger(segments) || segments < 3 || !Number.isInteger(rings) || rings < 2)
    throw new RangeError(
      `makeUvSphere: need integer segments >= 3 and rings >= 2, got ${segments}, ${rings}`,
    );
  const cols = segments + 1;
  const n = (rings + 1) * cols;
  const positions = new Float32Array(3 * n);
  const uvs = new Float32Array(2 * n);
  for (let i = 0; i <= rings; i++) {
    const theta = (Math.PI * i) / rings;
    for (let j = 0; j <= segments; j++) {
      const phi = (2 * Math.PI * j) / segments;
      const v = i * cols + j;
      positions[3 * v] = centre[0] + radius * Math.sin(theta) * Math.cos(phi);
      positions[3 * v + 1] = centre[1] + radius * Math.sin(theta) * Math.sin(phi);
      positions[3 * v + 2] = centre[2] + radius * Math.cos(theta);
      uvs[2 * v] = j / segments;
      uvs[2 * v + 1] = i / rings;
    }
  }
  const tris: number[] = [];
  for (let i = 0; i < rings; i++) {
    for (let j = 0; j < segments; j++) {
      const a = i * cols + j;
      const b = a + cols;
      // Counter-clockwise seen from outside (theta-hat x phi-hat = r-hat); pole triangles would be degenerate.
      if (i !== rings - 1) tris.push(a, b, b + 1);
      if (i !== 0) tris.push(a, b + 1, a + 1);
    }
  }
  return { positions, uvs, triangles: new Uint32Array(tris), texture, isObject };
}
