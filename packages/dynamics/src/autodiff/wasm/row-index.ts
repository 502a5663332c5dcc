/**
 * The CSR form of a scatter: for each output row r, the source rows e with indices[e] = r, ascending, are
 * order[offsets[r] .. offsets[r + 1]). A stable counting sort, O(indices + rows). Indices must be in range.
 */
export function buildRowIndex(
  indices: Int32Array,
  rows: number,
  offsets: Int32Array,
  order: Int32Array,
): void {
  offsets.fill(0, 0, rows + 1);
  for (let e = 0; e < indices.length; e++) offsets[indices[e] + 1]++;
  for (let r = 0; r < rows; r++) offsets[r + 1] += offsets[r];
  // Placing bumps offsets[r] from the start of row r to its end (the start of r + 1); shifting restores it.
  for (let e = 0; e < indices.length; e++) order[offsets[indices[e]]++] = e;
  for (let r = rows; r > 0; r--) offsets[r] = offsets[r - 1];
  offsets[0] = 0;
}
