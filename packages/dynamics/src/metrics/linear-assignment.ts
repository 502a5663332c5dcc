/**
 * Exact minimum-cost assignment (the Hungarian method in its shortest-augmenting-path form with row and column
 * potentials, Kuhn 1955 / Jonker-Volgenant 1987): each of the `rows` rows gets a distinct column, minimising the
 * summed cost. `cost` is row-major rows x cols, Float64 because the potentials accumulate differences of costs.
 * With rows > cols the transposed problem is solved, so min(rows, cols) pairs are matched either way.
 * O(rows^2 cols): about 3.4 million inner steps for 150 x 150.
 *
 * Returns, for every row, its column, or -1 for the rows left unmatched when rows > cols.
 */
export function linearAssignment(cost: Float64Array, rows: number, cols: number): Int32Array {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0)
    throw new RangeError(
      `linearAssignment: rows and cols must be non-negative integers, got ${rows}, ${cols}`,
    );
  if (cost.length !== rows * cols)
    throw new RangeError(
      `linearAssignment: cost must hold rows * cols = ${rows * cols} values, got ${cost.length}`,
    );
  for (let k = 0; k < cost.length; k++) {
    if (!Number.isFinite(cost[k]))
      throw new RangeError(`linearAssignment: cost[${k}] must be finite, got ${cost[k]}`);
  }
  if (rows <= cols) return assignRows(cost, rows, cols);
  const transposed = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) transposed[j * rows + i] = cost[i * cols + j];
  const colToRow = assignRows(transposed, cols, rows);
  const rowToCol = new Int32Array(rows).fill(-1);
  for (let j = 0; j < cols; j++) rowToCol[colToRow[j]] = j;
  return rowToCol;
}

/** The summed cost of an assignment returned by linearAssignment (unmatched rows contribute nothing). */
export function assignmentCost(cost: Float64Array, cols: number, rowToCol: Int32Array): number {
  let total = 0;
  for (let i = 0; i < rowToCol.length; i++) if (rowToCol[i] >= 0) total += cost[i * cols + rowToCol[i]];
  return total;
}

/** rows <= cols. Arrays are 1-based with index 0 as the virtual start column, as in the textbook form. */
function assignRows(cost: Float64Array, rows: number, cols: number): Int32Array {
  const u = new Float64Array(rows + 1);
  const v = new Float64Array(cols + 1);
  /** owner[j]: the row (1-based) matched to column j, 0 for none. */
  const owner = new Int32Array(cols + 1);
  /** previous column on the shortest alternating path to column j. */
  const way = new Int32Array(cols + 1);
  const minSlack = new Float64Array(cols + 1);
  const visited = new Uint8Array(cols + 1);
  for (let i = 1; i <= rows; i++) {
    owner[0] = i;
    let j0 = 0;
    minSlack.fill(Number.POSITIVE_INFINITY);
    visited.fill(0);
    // Dijkstra over reduced costs from row i until a free column is reached.
    do {
      visited[j0] = 1;
      const i0 = owner[j0];
      const base = (i0 - 1) * cols - 1;
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= cols; j++) {
        if (visited[j]) continue;
        const reduced = cost[base + j] - u[i0] - v[j];
        if (reduced < minSlack[j]) {
          minSlack[j] = reduced;
          way[j] = j0;
        }
        if (minSlack[j] < delta) {
          delta = minSlack[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= cols; j++) {
        if (visited[j]) {
          u[owner[j]] += delta;
          v[j] -= delta;
        } else {
          minSlack[j] -= delta;
        }
      }
      j0 = j1;
    } while (owner[j0] !== 0);
    // Flip the matching along the path back to the start.
    do {
      const j1 = way[j0];
      owner[j0] = owner[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Int32Array(rows).fill(-1);
  for (let j = 1; j <= cols; j++) if (owner[j] !== 0) rowToCol[owner[j] - 1] = j - 1;
  return rowToCol;
}
