import type { Parameter } from '../model/config.js';
import type { TensorBackend } from './backend.js';
import {
  type GradientTarget,
  writeCopy,
  writeEach,
  writeMasked,
  writeProduct,
  writeScaled,
} from './gradient-target.js';
import { Tensor } from './tensor.js';

/** Adds one tensor's gradient into the gradients of the tensors it was computed from. */
type Backward = (grad: Float32Array) => void;

export type Activation = 'none' | 'relu';

/**
 * Reverse-mode automatic differentiation over row-major float32 matrices, for training the graph network on
 * the CPU. A training step records its forward pass as it computes it (every op returns its result at once),
 * `backward(loss)` walks the record in reverse, and `reset()` releases every tensor of the step:
 *
 *   const tape = new Tape(backend);
 *   for (...) {
 *     const w = tape.parameter(weight);                      // copied onto the tape each step
 *     const loss = tape.mseLoss(tape.linear(x, w, b, 'relu'), target);
 *     tape.zeroGrads();
 *     tape.backward(loss);                                   // tape.grads: parameter name -> dLoss/dParameter
 *     adam.step(tape.grads);
 *     tape.reset();
 *   }
 *
 * Storage comes from the backend (in the WebAssembly backend's shared memory, so kernels never copy operands)
 * and goes back to it: gradients of intermediate tensors as soon as the backward pass has used them, everything
 * else at `reset`. Parameter gradients accumulate, as in torch, over backward calls until `zeroGrads()`.
 * The matrix products, gathers and scatters run on the backend; elementwise ops run here in TypeScript.
 */
export class Tape {
  private step = 0;
  private tensors: Tensor[] = [];
  private backwards: (Backward | undefined)[] = [];
  private gradients: (Float32Array | undefined)[] = [];
  /** Every array this step holds from the backend. */
  private readonly buffers = new Set<Float32Array>();
  private readonly stepParameters = new Map<Parameter, Tensor>();
  private readonly stepParameterNames = new Map<string, Parameter>();
  private readonly parameterOf = new Map<number, Parameter>();
  private readonly parameterGrads = new Map<string, Float32Array>();
  private backwardDone = false;

  constructor(readonly backend: TensorBackend) {}

  /** dLoss/dParameter by parameter name, summed over the backward calls since the last `zeroGrads`. */
  get grads(): ReadonlyMap<string, Float32Array> {
    return this.parameterGrads;
  }

  /** Tensors recorded in this step. */
  get length(): number {
    return this.tensors.length;
  }

  zeroGrads(): void {
    this.parameterGrads.clear();
  }

  /** Releases every tensor of this step to the backend; tensors made before are unusable afterwards. */
  reset(): void {
    for (const b of this.buffers) this.backend.release(b);
    this.buffers.clear();
    this.tensors = [];
    this.backwards = [];
    this.gradients = [];
    this.stepParameters.clear();
    this.stepParameterNames.clear();
    this.parameterOf.clear();
    this.backwardDone = false;
    this.step++;
  }

  // ---------------------------------------------------------------- leaves

  /** A copy of `data` (rows x cols, row-major) that no gradient flows into. */
  constant(data: ArrayLike<number>, rows: number, cols: number): Tensor {
    return this.leaf('constant', data, rows, cols, false);
  }

  /** A rows x cols constant of zeros; its `data` may be filled in place before it is used. */
  zeros(rows: number, cols: number): Tensor {
    checkShape('zeros', rows, cols);
    const out = this.allocate(rows * cols);
    out.fill(0);
    return this.record(rows, cols, out, false);
  }

  /** A copy of `data` whose gradient `gradient(t)` returns after `backward`. */
  variable(data: ArrayLike<number>, rows: number, cols: number): Tensor {
    return this.leaf('variable', data, rows, cols, true);
  }

  /**
   * A model parameter, copied onto the tape: a weight of shape [in, out] becomes in x out, a bias of shape
   * [out] becomes 1 x out. Its gradient accumulates into `grads` under its name. Asking twice in one step for
   * the same parameter gives the same tensor.
   */
  parameter(p: Parameter): Tensor {
    const known = this.stepParameters.get(p);
    if (known) return known;
    const [rows, cols] = parameterShape(p);
    const other = this.stepParameterNames.get(p.name);
    if (other) throw new Error(`Tape.parameter: two different parameters are named '${p.name}'`);
    const earlier = this.parameterGrads.get(p.name);
    if (earlier && earlier.length !== p.data.length)
      throw new RangeError(
        `Tape.parameter: '${p.name}' has ${p.data.length} values but its accumulated gradient has ${earlier.length}; call zeroGrads()`,
      );
    const t = this.leaf(`parameter '${p.name}'`, p.data, rows, cols, true);
    this.stepParameters.set(p, t);
    this.stepParameterNames.set(p.name, p);
    this.parameterOf.set(t.id, p);
    return t;
  }

  /** The gradient of a variable after `backward` (valid until reset), or undefined if the loss ignores it. */
  gradient(t: Tensor): Float32Array | undefined {
    this.use('gradient', t);
    if (this.backwards[t.id] !== undefined || this.parameterOf.has(t.id))
      throw new Error('Tape.gradient: only variables keep their gradient; parameters have theirs in grads');
    return this.gradients[t.id];
  }

  // ---------------------------------------------------------------- matrix products

  /** a b: (m x k) (k x n) -> m x n. */
  matmul(a: Tensor, b: Tensor): Tensor {
    this.use('matmul', a, b);
    if (a.cols !== b.rows)
      throw new RangeError(`Tape.matmul: ${a.rows} x ${a.cols} times ${b.rows} x ${b.cols}`);
    const out = this.allocate(a.rows * b.cols);
    this.backend.gemm({ m: a.rows, n: b.cols, k: a.cols, a: a.data, b: b.data, c: out });
    return this.record(a.rows, b.cols, out, a.requiresGrad || b.requiresGrad, (g) =>
      this.productBackward(a, b, g),
    );
  }

  /**
   * One fused dense layer, act(x W + bias): x is rows x in, W in x out, bias 1 x out (optional). The bias and
   * the ReLU are applied as the product is stored, with no intermediate tensors.
   */
  linear(x: Tensor, weight: Tensor, bias?: Tensor, activation: Activation = 'none'): Tensor {
    this.use('linear', x, weight, ...(bias ? [bias] : []));
    if (x.cols !== weight.rows)
      throw new RangeError(
        `Tape.linear: input ${x.rows} x ${x.cols}, weight ${weight.rows} x ${weight.cols}`,
      );
    if (bias && (bias.rows !== 1 || bias.cols !== weight.cols))
      throw new RangeError(`Tape.linear: bias must be 1 x ${weight.cols}, got ${bias.rows} x ${bias.cols}`);
    const relu = activation === 'relu';
    const out = this.allocate(x.rows * weight.cols);
    this.backend.gemm({
      m: x.rows,
      n: weight.cols,
      k: x.cols,
      a: x.data,
      b: weight.data,
      c: out,
      bias: bias?.data,
      relu,
    });
    const needs = x.requiresGrad || weight.requiresGrad || (bias?.requiresGrad ?? false);
    return this.record(x.rows, weight.cols, out, needs, (g) => {
      let dz = g;
      if (relu) {
        dz = this.allocate(out.length);
        writeMasked({ data: dz, accumulate: false }, g, out, out.length);
      }
      this.productBackward(x, weight, dz);
      if (bias) {
        const gb = this.gradTarget(bias);
        if (gb) this.columnSums(dz, x.rows, weight.cols, gb);
      }
      if (dz !== g) this.releaseBuffer(dz);
    });
  }

  /** a + bias on every row: a is rows x n, bias 1 x n. */
  addRowVector(a: Tensor, bias: Tensor): Tensor {
    this.use('addRowVector', a, bias);
    if (bias.rows !== 1 || bias.cols !== a.cols)
      throw new RangeError(`Tape.addRowVector: bias must be 1 x ${a.cols}, got ${bias.rows} x ${bias.cols}`);
    const n = a.cols;
    const out = this.allocate(a.size);
    const x = a.data;
    const v = bias.data;
    for (let i = 0; i < a.rows; i++) for (let j = 0; j < n; j++) out[i * n + j] = x[i * n + j] + v[j];
    return this.record(a.rows, n, out, a.requiresGrad || bias.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (ga) writeCopy(ga, g, a.size);
      const gb = this.gradTarget(bias);
      if (gb) this.columnSums(g, a.rows, n, gb);
    });
  }

  // ---------------------------------------------------------------- elementwise

  add(a: Tensor, b: Tensor): Tensor {
    this.use('add', a, b);
    checkSameShape('add', a, b);
    const out = this.allocate(a.size);
    const x = a.data;
    const y = b.data;
    for (let i = 0; i < out.length; i++) out[i] = x[i] + y[i];
    return this.record(a.rows, a.cols, out, a.requiresGrad || b.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (ga) writeCopy(ga, g, a.size);
      const gb = this.gradTarget(b);
      if (gb) writeCopy(gb, g, b.size);
    });
  }

  sub(a: Tensor, b: Tensor): Tensor {
    this.use('sub', a, b);
    checkSameShape('sub', a, b);
    const out = this.allocate(a.size);
    const x = a.data;
    const y = b.data;
    for (let i = 0; i < out.length; i++) out[i] = x[i] - y[i];
    return this.record(a.rows, a.cols, out, a.requiresGrad || b.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (ga) writeCopy(ga, g, a.size);
      const gb = this.gradTarget(b);
      if (gb) writeScaled(gb, g, -1, b.size);
    });
  }

  /** Elementwise product. */
  mul(a: Tensor, b: Tensor): Tensor {
    this.use('mul', a, b);
    checkSameShape('mul', a, b);
    const out = this.allocate(a.size);
    const x = a.data;
    const y = b.data;
    for (let i = 0; i < out.length; i++) out[i] = x[i] * y[i];
    return this.record(a.rows, a.cols, out, a.requiresGrad || b.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (ga) writeProduct(ga, g, y, a.size);
      const gb = this.gradTarget(b);
      if (gb) writeProduct(gb, g, x, b.size);
    });
  }

  scale(a: Tensor, s: number): Tensor {
    this.use('scale', a);
    if (!Number.isFinite(s)) throw new RangeError(`Tape.scale: the factor must be finite, got ${s}`);
    const out = this.allocate(a.size);
    const x = a.data;
    for (let i = 0; i < out.length; i++) out[i] = s * x[i];
    return this.record(a.rows, a.cols, out, a.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (ga) writeScaled(ga, g, s, a.size);
    });
  }

  relu(a: Tensor): Tensor {
    this.use('relu', a);
    const out = this.allocate(a.size);
    const x = a.data;
    for (let i = 0; i < out.length; i++) out[i] = Math.max(x[i], 0);
    return this.record(a.rows, a.cols, out, a.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (ga) writeMasked(ga, g, out, a.size);
    });
  }

  /** min(max(a, lo), hi); the gradient passes where lo <= a <= hi, as in torch. */
  clamp(a: Tensor, lo: number, hi: number): Tensor {
    this.use('clamp', a);
    if (!(lo <= hi)) throw new RangeError(`Tape.clamp: lo ${lo} must not exceed hi ${hi}`);
    const out = this.allocate(a.size);
    const x = a.data;
    for (let i = 0; i < out.length; i++) out[i] = Math.min(Math.max(x[i], lo), hi);
    return this.record(a.rows, a.cols, out, a.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (ga) writeEach(ga, a.size, (i) => (x[i] >= lo && x[i] <= hi ? g[i] : 0));
    });
  }

  square(a: Tensor): Tensor {
    this.use('square', a);
    const out = this.allocate(a.size);
    const x = a.data;
    for (let i = 0; i < out.length; i++) out[i] = x[i] * x[i];
    return this.record(a.rows, a.cols, out, a.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (ga) writeEach(ga, a.size, (i) => 2 * x[i] * g[i]);
    });
  }

  /** sqrt(a + eps): eps > 0 keeps the gradient finite at a = 0. */
  sqrt(a: Tensor, eps = 0): Tensor {
    this.use('sqrt', a);
    if (!(eps >= 0)) throw new RangeError(`Tape.sqrt: eps must be >= 0, got ${eps}`);
    const out = this.allocate(a.size);
    const x = a.data;
    for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(x[i] + eps);
    return this.record(a.rows, a.cols, out, a.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (ga) writeEach(ga, a.size, (i) => (0.5 * g[i]) / out[i]);
    });
  }

  // ---------------------------------------------------------------- rows and columns

  /** [a0 | a1 | ...]: the same rows, columns side by side. */
  concatCols(parts: readonly Tensor[]): Tensor {
    if (parts.length === 0) throw new RangeError('Tape.concatCols: nothing to concatenate');
    this.use('concatCols', ...parts);
    const rows = parts[0].rows;
    for (const p of parts)
      if (p.rows !== rows)
        throw new RangeError(`Tape.concatCols: ${p.rows} rows where ${rows} were expected`);
    const cols = parts.reduce((s, p) => s + p.cols, 0);
    const out = this.allocate(rows * cols);
    // Row copies with set() (a memcpy) measured twice as fast as element loops here.
    let offset = 0;
    for (const p of parts) {
      for (let i = 0; i < rows; i++)
        out.set(p.data.subarray(i * p.cols, (i + 1) * p.cols), i * cols + offset);
      offset += p.cols;
    }
    return this.record(
      rows,
      cols,
      out,
      parts.some((p) => p.requiresGrad),
      (g) => {
        let start = 0;
        for (const p of parts) {
          const gp = this.gradTarget(p);
          const w = p.cols;
          if (gp) {
            const d = gp.data;
            for (let i = 0; i < rows; i++) {
              const from = i * cols + start;
              if (gp.accumulate) for (let j = 0; j < w; j++) d[i * w + j] += g[from + j];
              else d.set(g.subarray(from, from + w), i * w);
            }
          }
          start += w;
        }
      },
    );
  }

  /** Rows start .. end - 1 of a. */
  sliceRows(a: Tensor, start: number, end: number): Tensor {
    this.use('sliceRows', a);
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= a.rows))
      throw new RangeError(`Tape.sliceRows: [${start}, ${end}) is not a row range of ${a.rows} rows`);
    const n = a.cols;
    const out = this.allocate((end - start) * n);
    out.set(a.data.subarray(start * n, end * n));
    return this.record(end - start, n, out, a.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (!ga) return;
      if (!ga.accumulate) ga.data.fill(0, 0, a.size);
      const d = ga.data;
      for (let i = 0; i < out.length; i++) d[start * n + i] += g[i];
    });
  }

  /** Row indices[e] of a for each e: indices.length x a.cols. The indices are copied. */
  gatherRows(a: Tensor, indices: Int32Array): Tensor {
    this.use('gatherRows', a);
    const idx = Int32Array.from(indices);
    const out = this.allocate(idx.length * a.cols);
    this.backend.gatherRows({ src: a.data, srcRows: a.rows, cols: a.cols, indices: idx, out });
    return this.record(idx.length, a.cols, out, a.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (ga)
        this.backend.scatterAddRows({
          src: g,
          cols: a.cols,
          indices: idx,
          out: ga.data,
          outRows: a.rows,
          accumulate: ga.accumulate,
        });
    });
  }

  /** Row e of a added into row indices[e] of an outRows x a.cols zero matrix. The indices are copied. */
  scatterAddRows(a: Tensor, indices: Int32Array, outRows: number): Tensor {
    this.use('scatterAddRows', a);
    if (indices.length !== a.rows)
      throw new RangeError(`Tape.scatterAddRows: ${indices.length} indices for ${a.rows} rows`);
    checkShape('scatterAddRows', outRows, a.cols);
    const idx = Int32Array.from(indices);
    const out = this.allocate(outRows * a.cols);
    this.backend.scatterAddRows({ src: a.data, cols: a.cols, indices: idx, out, outRows });
    return this.record(outRows, a.cols, out, a.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (ga)
        this.backend.gatherRows({
          src: g,
          srcRows: outRows,
          cols: a.cols,
          indices: idx,
          out: ga.data,
          accumulate: ga.accumulate,
        });
    });
  }

  /** sqrt(sum over the row of a^2 + eps) for each row: rows x 1 (edge lengths from edge vectors). */
  rowNorm(a: Tensor, eps = 0): Tensor {
    this.use('rowNorm', a);
    if (!(eps >= 0)) throw new RangeError(`Tape.rowNorm: eps must be >= 0, got ${eps}`);
    const n = a.cols;
    const x = a.data;
    const out = this.allocate(a.rows);
    for (let i = 0; i < a.rows; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += x[i * n + j] * x[i * n + j];
      out[i] = Math.sqrt(s + eps);
    }
    return this.record(a.rows, 1, out, a.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      // A zero norm has no direction: its gradient is taken as 0, as torch does.
      if (ga)
        writeEach(ga, a.size, (i) => (out[(i / n) | 0] > 0 ? (g[(i / n) | 0] * x[i]) / out[(i / n) | 0] : 0));
    });
  }

  // ---------------------------------------------------------------- reductions to a scalar

  sum(a: Tensor): Tensor {
    this.use('sum', a);
    return this.reduceScalar(a, 1);
  }

  mean(a: Tensor): Tensor {
    this.use('mean', a);
    if (a.size === 0) throw new RangeError('Tape.mean: the tensor is empty');
    return this.reduceScalar(a, 1 / a.size);
  }

  /**
   * Mean of (a - b)^2 over the rows where rowMask is non-zero (all rows without a mask) and every column.
   * Either side may carry a gradient.
   */
  mseLoss(a: Tensor, b: Tensor, rowMask?: ArrayLike<number>): Tensor {
    this.use('mseLoss', a, b);
    checkSameShape('mseLoss', a, b);
    if (rowMask && rowMask.length !== a.rows)
      throw new RangeError(`Tape.mseLoss: rowMask has ${rowMask.length} entries for ${a.rows} rows`);
    const n = a.cols;
    const x = a.data;
    const y = b.data;
    let included = 0;
    let s = 0;
    for (let i = 0; i < a.rows; i++) {
      if (rowMask && !rowMask[i]) continue;
      included++;
      for (let j = i * n; j < (i + 1) * n; j++) s += (x[j] - y[j]) * (x[j] - y[j]);
    }
    if (included * n === 0)
      throw new RangeError('Tape.mseLoss: no element to average (empty or fully masked)');
    const count = included * n;
    const out = this.allocate(1);
    out[0] = s / count;
    return this.record(1, 1, out, a.requiresGrad || b.requiresGrad, (g) => {
      const k = (2 * g[0]) / count;
      const d = (i: number) => (rowMask && !rowMask[(i / n) | 0] ? 0 : k * (x[i] - y[i]));
      const ga = this.gradTarget(a);
      if (ga) writeEach(ga, a.size, d);
      const gb = this.gradTarget(b);
      if (gb) writeEach(gb, b.size, (i) => -d(i));
    });
  }

  // ---------------------------------------------------------------- backward

  /**
   * Gradients of the 1 x 1 `loss` with respect to every parameter (added into `grads`) and variable
   * (`gradient`). Once per step; the values of the step stay readable until reset.
   */
  backward(loss: Tensor): void {
    this.use('backward', loss);
    if (loss.size !== 1)
      throw new RangeError(`Tape.backward: the loss must be 1 x 1, got ${loss.rows} x ${loss.cols}`);
    if (this.backwardDone) throw new Error('Tape.backward: already called in this step; reset() first');
    if (!loss.requiresGrad) throw new Error('Tape.backward: the loss depends on no parameter or variable');
    this.backwardDone = true;
    const seed = this.allocate(1);
    seed[0] = 1;
    this.gradients[loss.id] = seed;
    for (let id = loss.id; id >= 0; id--) {
      const g = this.gradients[id];
      if (!g) continue;
      const backward = this.backwards[id];
      if (backward) {
        backward(g);
        this.gradients[id] = undefined;
        this.releaseBuffer(g);
        continue;
      }
      const p = this.parameterOf.get(id);
      if (!p) continue; // a variable keeps its gradient until reset
      const total = this.parameterGrads.get(p.name);
      if (total) for (let i = 0; i < total.length; i++) total[i] += g[i];
      else this.parameterGrads.set(p.name, g.slice());
      this.gradients[id] = undefined;
      this.releaseBuffer(g);
    }
  }

  // ---------------------------------------------------------------- internals

  private leaf(
    what: string,
    data: ArrayLike<number>,
    rows: number,
    cols: number,
    requiresGrad: boolean,
  ): Tensor {
    checkShape(what, rows, cols);
    if (data.length !== rows * cols)
      throw new RangeError(`Tape.${what}: ${data.length} values for ${rows} x ${cols}`);
    const out = this.allocate(rows * cols);
    out.set(data);
    return this.record(rows, cols, out, requiresGrad);
  }

  private record(
    rows: number,
    cols: number,
    data: Float32Array,
    requiresGrad: boolean,
    backward?: Backward,
  ): Tensor {
    const t = new Tensor(this, this.step, this.tensors.length, rows, cols, data, requiresGrad);
    this.tensors.push(t);
    this.backwards.push(requiresGrad ? backward : undefined);
    this.gradients.push(undefined);
    return t;
  }

  private use(op: string, ...tensors: Tensor[]): void {
    for (const t of tensors) {
      if (!(t instanceof Tensor) || t.owner !== this)
        throw new Error(`Tape.${op}: the tensor was not made by this tape`);
      if (t.step !== this.step) throw new Error(`Tape.${op}: the tensor was made before the last reset()`);
    }
  }

  private allocate(length: number): Float32Array {
    const a = this.backend.alloc(length);
    this.buffers.add(a);
    return a;
  }

  private releaseBuffer(a: Float32Array): void {
    if (this.buffers.delete(a)) this.backend.release(a);
  }

  /** Where a contribution to t's gradient goes, or undefined when t needs none. */
  private gradTarget(t: Tensor): GradientTarget | undefined {
    if (!t.requiresGrad) return undefined;
    const g = this.gradients[t.id];
    if (g) return { data: g, accumulate: true };
    const fresh = this.allocate(t.size);
    this.gradients[t.id] = fresh;
    return { data: fresh, accumulate: false };
  }

  /** dA = dC B^T and dB = A^T dC for C = A B. */
  private productBackward(a: Tensor, b: Tensor, g: Float32Array): void {
    const ga = this.gradTarget(a);
    if (ga)
      this.backend.gemm({
        m: a.rows,
        n: a.cols,
        k: b.cols,
        a: g,
        b: b.data,
        transposeB: true,
        c: ga.data,
        accumulate: ga.accumulate,
      });
    const gb = this.gradTarget(b);
    if (gb)
      this.backend.gemm({
        m: b.rows,
        n: b.cols,
        k: a.rows,
        a: a.data,
        transposeA: true,
        b: g,
        c: gb.data,
        accumulate: gb.accumulate,
      });
  }

  /** target (+)= the column sums of g (rows x cols), as the product 1^T g, so that the backend reduces. */
  private columnSums(g: Float32Array, rows: number, cols: number, target: GradientTarget): void {
    const ones = this.allocate(rows);
    ones.fill(1);
    this.backend.gemm({
      m: 1,
      n: cols,
      k: rows,
      a: ones,
      b: g,
      c: target.data,
      accumulate: target.accumulate,
    });
    this.releaseBuffer(ones);
  }

  private reduceScalar(a: Tensor, factor: number): Tensor {
    const x = a.data;
    let s = 0;
    for (let i = 0; i < a.size; i++) s += x[i];
    const out = this.allocate(1);
    out[0] = s * factor;
    return this.record(1, 1, out, a.requiresGrad, (g) => {
      const ga = this.gradTarget(a);
      if (!ga) return;
      const v = g[0] * factor;
      writeEach(ga, a.size, () => v);
    });
  }
}

function checkShape(what: string, rows: number, cols: number): void {
  if (!(Number.isInteger(rows) && rows >= 0 && Number.isInteger(cols) && cols >= 0))
    throw new RangeError(`Tape.${what}: shape ${rows} x ${cols} is not two non-negative integers`);
}

function checkSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.rows !== b.rows || a.cols !== b.cols)
    throw new RangeError(`Tape.${op}: shapes ${a.rows} x ${a.cols} and ${b.rows} x ${b.cols} differ`);
}

/** [in, out] -> in x out, [out] -> 1 x out. */
function parameterShape(p: Parameter): [number, number] {
  const s = p.shape;
  const ok = (s.length === 1 || s.length === 2) && s.every((d) => Number.isInteger(d) && d >= 0);
  if (!ok)
    throw new RangeError(
      `Tape.parameter: '${p.name}' has shape [${s.join(', ')}], expected [in, out] or [out]`,
    );
  const [rows, cols] = s.length === 2 ? [s[0], s[1]] : [1, s[0]];
  if (p.data.length !== rows * cols)
    throw new RangeError(
      `Tape.parameter: '${p.name}' has ${p.data.length} values for shape [${s.join(', ')}]`,
    );
  return [rows, cols];
}
