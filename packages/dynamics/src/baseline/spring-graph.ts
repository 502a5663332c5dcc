/** Springs between particles: endpoint pairs (a < b) and their rest lengths. */
export interface SpringGraph {
  count: number;
  a: Int32Array;
  b: Int32Array;
  restLength: Float64Array;
}

/**
 * Joins every particle to its `neighbours` nearest others within `radius` (the union over both endpoints, so a
 * spring appears once), with rest lengths taken from `positions`. Brute force, O(n^2 log n): the particle sets
 * are a few hundred points and this runs once per rollout problem.
 */
export function buildSpringGraph(positions: Float64Array, radius: number, neighbours: number): SpringGraph {
  const n = positions.length / 3;
  const pairs = new Set<number>();
  const candidates: { j: number; d: number }[] = [];
  for (let i = 0; i < n; i++) {
    candidates.length = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = Math.hypot(
        positions[3 * j] - positions[3 * i],
        positions[3 * j + 1] - positions[3 * i + 1],
        positions[3 * j + 2] - positions[3 * i + 2],
      );
      if (d <= radius) candidates.push({ j, d });
    }
    candidates.sort((p, q) => p.d - q.d || p.j - q.j);
    for (let k = 0; k < Math.min(neighbours, candidates.length); k++) {
      const j = candidates[k].j;
      pairs.add(Math.min(i, j) * n + Math.max(i, j));
    }
  }
  // Sorted so that the Gauss-Seidel order, and with it every rollout, is independent of insertion order.
  const keys = Array.from(pairs).sort((p, q) => p - q);
  const graph: SpringGraph = {
    count: keys.length,
    a: new Int32Array(keys.length),
    b: new Int32Array(keys.length),
    restLength: new Float64Array(keys.length),
  };
  keys.forEach((key, s) => {
    const a = Math.floor(key / n);
    const b = key - a * n;
    graph.a[s] = a;
    graph.b[s] = b;
    graph.restLength[s] = Math.hypot(
      positions[3 * b] - positions[3 * a],
      positions[3 * b + 1] - positions[3 * a + 1],
      positions[3 * b + 2] - positions[3 * a + 2],
    );
  });
  return graph;
}
