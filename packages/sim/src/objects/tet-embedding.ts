/**
 * Embeds points in a tet mesh: each point gets the tet that contains it (or, outside the mesh, the tet in which
 * its smallest barycentric coordinate is largest, i.e. the nearest in barycentric terms) and its four
 * barycentric weights there, which may be negative outside (linear extrapolation). Moving the tet corners then
 * moves the point with the tet's affine deformation.
 */
export interface TetEmbedding {
  /** 4 particle indices per point. */
  corners: Uint32Array;
  /** 4 weights per point, summing to 1. */
  weights: Float64Array;
}

export function embedInTets(points: Float64Array, x: Float64Array, tets: Int32Array): TetEmbedding {
  const count = points.length / 3;
  const tetCount = tets.length / 4;
  if (tetCount === 0) throw new RangeError('embedInTets: the tet mesh is empty');
  // Inverse of [b-a, c-a, d-a] per tet, row-major, to map a point to its barycentric coordinates.
  const inverse = new Float64Array(9 * tetCount);
  for (let t = 0; t < tetCount; t++) {
    const a = 3 * tets[4 * t];
    const m: number[] = [];
    for (let row = 0; row < 3; row++) {
      for (let col = 1; col <= 3; col++) m.push(x[3 * tets[4 * t + col] + row] - x[a + row]);
    }
    inverse.set(invert3(m), 9 * t);
  }
  const corners = new Uint32Array(4 * count);
  const weights = new Float64Array(4 * count);
  const lambda = [0, 0, 0, 0];
  for (let p = 0; p < count; p++) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    const bestLambda = [0, 0, 0, 0];
    for (let t = 0; t < tetCount && bestScore < 0; t++) {
      const a = 3 * tets[4 * t];
      const dx = points[3 * p] - x[a];
      const dy = points[3 * p + 1] - x[a + 1];
      const dz = points[3 * p + 2] - x[a + 2];
      const o = 9 * t;
      lambda[1] = inverse[o] * dx + inverse[o + 1] * dy + inverse[o + 2] * dz;
      lambda[2] = inverse[o + 3] * dx + inverse[o + 4] * dy + inverse[o + 5] * dz;
      lambda[3] = inverse[o + 6] * dx + inverse[o + 7] * dy + inverse[o + 8] * dz;
      lambda[0] = 1 - lambda[1] - lambda[2] - lambda[3];
      const score = Math.min(lambda[0], lambda[1], lambda[2], lambda[3]);
      if (score > bestScore) {
        bestScore = score;
        best = t;
        for (let k = 0; k < 4; k++) bestLambda[k] = lambda[k];
      }
    }
    for (let k = 0; k < 4; k++) {
      corners[4 * p + k] = tets[4 * best + k];
      weights[4 * p + k] = bestLambda[k];
    }
  }
  return { corners, weights };
}

/** Writes the embedded points for corner positions `x` into `out` (3 per point). */
export function evaluateEmbedding(
  embedding: TetEmbedding,
  x: Float64Array,
  out: Float32Array | Float64Array,
): void {
  const { corners, weights } = embedding;
  const count = weights.length / 4;
  for (let p = 0; p < count; p++) {
    let px = 0;
    let py = 0;
    let pz = 0;
    for (let k = 0; k < 4; k++) {
      const w = weights[4 * p + k];
      const c = 3 * corners[4 * p + k];
      px += w * x[c];
      py += w * x[c + 1];
      pz += w * x[c + 2];
    }
    out[3 * p] = px;
    out[3 * p + 1] = py;
    out[3 * p + 2] = pz;
  }
}

function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = f * g - d * i;
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (det === 0) throw new RangeError('embedInTets: a tet is degenerate');
  return [
    A / det,
    (c * h - b * i) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    (c * d - a * f) / det,
    C / det,
    (b * g - a * h) / det,
    (a * e - b * d) / det,
  ];
}
