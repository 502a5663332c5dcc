// Row gather and scatter-add, the message passing of the graph network. Both are exact: a gather copies or adds
// one row per output row, and a scatter-add sums, for each output row, the source rows whose index names it in
// increasing source order (from a CSR index built on the TypeScript side), which is the order a sequential loop
// adds them in. Each output row belongs to one task, so no two threads write the same float and the result does
// not depend on the thread count.

import * as L from './layout';

/** Output rows per task. */
const ROWS_PER_TASK: i32 = 64;

export function rowTasks(rows: i32): i32 {
  return (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
}

/** DST[e] (+)= SRC[INDICES[e]] for e in the task's rows; COUNT rows of COLS floats. */
export function gatherTask(ctl: usize, task: i32): void {
  const count = load<i32>(ctl + L.COUNT);
  const cols = load<i32>(ctl + L.COLS);
  const src = load<usize>(ctl + L.SRC);
  const dst = load<usize>(ctl + L.DST);
  const indices = load<usize>(ctl + L.INDICES);
  const accumulate = load<i32>(ctl + L.ACCUMULATE) !== 0;
  const rowBytes = (<usize>cols) << 2;
  const e0 = task * ROWS_PER_TASK;
  const e1 = min(count, e0 + ROWS_PER_TASK);
  for (let e = e0; e < e1; e++) {
    const from = src + <usize>load<i32>(indices + ((<usize>e) << 2)) * rowBytes;
    const to = dst + <usize>e * rowBytes;
    let j = 0;
    if (accumulate) {
      for (; j + 4 <= cols; j += 4) {
        const at = (<usize>j) << 2;
        v128.store(to + at, f32x4.add(v128.load(to + at), v128.load(from + at)));
      }
      for (; j < cols; j++) {
        const at = (<usize>j) << 2;
        store<f32>(to + at, load<f32>(to + at) + load<f32>(from + at));
      }
    } else {
      for (; j + 4 <= cols; j += 4) {
        const at = (<usize>j) << 2;
        v128.store(to + at, v128.load(from + at));
      }
      for (; j < cols; j++) {
        const at = (<usize>j) << 2;
        store<f32>(to + at, load<f32>(from + at));
      }
    }
  }
}

/**
 * DST[r] = (DST[r] | 0) + sum of SRC[e] over the e whose index is r, for r in the task's rows; the e of row r are
 * ORDER[OFFSETS[r] .. OFFSETS[r + 1]), ascending. Sixteen columns at a time stay in registers over the whole list.
 */
export function scatterTask(ctl: usize, task: i32): void {
  const rows = load<i32>(ctl + L.ROWS);
  const cols = load<i32>(ctl + L.COLS);
  const src = load<usize>(ctl + L.SRC);
  const dst = load<usize>(ctl + L.DST);
  const offsets = load<usize>(ctl + L.OFFSETS);
  const order = load<usize>(ctl + L.ORDER);
  const accumulate = load<i32>(ctl + L.ACCUMULATE) !== 0;
  const rowBytes = (<usize>cols) << 2;
  const r0 = task * ROWS_PER_TASK;
  const r1 = min(rows, r0 + ROWS_PER_TASK);
  for (let r = r0; r < r1; r++) {
    const start = load<i32>(offsets + ((<usize>r) << 2));
    const end = load<i32>(offsets + ((<usize>(r + 1)) << 2));
    const to = dst + <usize>r * rowBytes;
    let j = 0;
    for (; j + 16 <= cols; j += 16) {
      const at = (<usize>j) << 2;
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      if (accumulate) {
        a0 = v128.load(to + at);
        a1 = v128.load(to + at, 16);
        a2 = v128.load(to + at, 32);
        a3 = v128.load(to + at, 48);
      }
      for (let q = start; q < end; q++) {
        const from = src + <usize>load<i32>(order + ((<usize>q) << 2)) * rowBytes + at;
        a0 = f32x4.add(a0, v128.load(from));
        a1 = f32x4.add(a1, v128.load(from, 16));
        a2 = f32x4.add(a2, v128.load(from, 32));
        a3 = f32x4.add(a3, v128.load(from, 48));
      }
      v128.store(to + at, a0);
      v128.store(to + at, a1, 16);
      v128.store(to + at, a2, 32);
      v128.store(to + at, a3, 48);
    }
    for (; j + 4 <= cols; j += 4) {
      const at = (<usize>j) << 2;
      let a = accumulate ? v128.load(to + at) : f32x4.splat(0);
      for (let q = start; q < end; q++)
        a = f32x4.add(a, v128.load(src + <usize>load<i32>(order + ((<usize>q) << 2)) * rowBytes + at));
      v128.store(to + at, a);
    }
    for (; j < cols; j++) {
      const at = (<usize>j) << 2;
      let a: f32 = accumulate ? load<f32>(to + at) : 0;
      for (let q = start; q < end; q++)
        a += load<f32>(src + <usize>load<i32>(order + ((<usize>q) << 2)) * rowBytes + at);
      store<f32>(to + at, a);
    }
  }
}
