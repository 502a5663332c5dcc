/**
 * Adam exactly as torch.optim.Adam (no weight decay, no amsgrad), one group per parameter tensor as the
 * reference tracker uses it:
 *   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * with the reference's eps = 1e-15. Moments are stored in float32 like torch's, updated in float64.
 *
 * Groups whose arrays grow and shrink with the Gaussian cloud (densification) are resized with `select` and
 * `append` (moments only), after which `setParams` points the group at the new parameter array; `step`
 * checks that the lengths agree, so a forgotten re-point fails loudly instead of updating a stale array.
 */

export interface AdamGroup {
  name: string;
  params: Float32Array;
  lr: number;
}

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

interface GroupState {
  name: string;
  params: Float32Array;
  lr: number;
  m: Float32Array;
  v: Float32Array;
  /** Updates applied to this group: the t of its bias corrections (torch keeps it per parameter too). */
  t: number;
}

export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly groups = new Map<string, GroupState>();
  private steps = 0;

  constructor(groups: AdamGroup[], options: AdamOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-15;
    for (const [key, b] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new RangeError(`Adam: ${key} must be in [0, 1), got ${b}`);
    }
    if (!(this.eps >= 0)) throw new RangeError(`Adam: eps must be >= 0, got ${this.eps}`);
    for (const g of groups) {
      if (this.groups.has(g.name)) throw new Error(`Adam: duplicate parameter group '${g.name}'`);
      checkLr(g.name, g.lr);
      this.groups.set(g.name, {
        name: g.name,
        params: g.params,
        lr: g.lr,
        m: new Float32Array(g.params.length),
        v: new Float32Array(g.params.length),
        t: 0,
      });
    }
  }

  /** Number of `step` calls so far; not changed by resetMoments or resizing. */
  get stepCount(): number {
    return this.steps;
  }

  get groupNames(): string[] {
    return [...this.groups.keys()];
  }

  has(name: string): boolean {
    return this.groups.has(name);
  }

  learningRate(name: string): number {
    return this.group(name).lr;
  }

  params(name: string): Float32Array {
    return this.group(name).params;
  }

  /** The first and second moment arrays of a group (live views: for inspection and tests). */
  moments(name: string): { m: Float32Array; v: Float32Array } {
    const g = this.group(name);
    return { m: g.m, v: g.v };
  }

  /**
   * One Adam step, updating each group's params in place. As in torch, a group without a gradient in
   * `grads` is skipped, and each group counts its own updates for the bias corrections. A group with lr 0 is
   * skipped entirely: params, moments and its count untouched (torch would still advance the moments; the
   * reference freezes groups this way after the first frame and never unfreezes them, so this only saves work).
   */
  step(grads: Record<string, Float32Array>): void {
    for (const name of Object.keys(grads)) {
      if (!this.groups.has(name)) throw new Error(`Adam.step: gradient for unknown group '${name}'`);
    }
    this.steps++;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const eps = this.eps;
    for (const g of this.groups.values()) {
      const grad = grads[g.name];
      if (grad === undefined || g.lr === 0) continue;
      const { params, m, v } = g;
      if (params.length !== m.length) {
        throw new Error(
          `Adam.step: group '${g.name}' has ${params.length} params but ${m.length} moments (resize with select/append, then setParams)`,
        );
      }
      if (grad.length !== params.length) {
        throw new RangeError(
          `Adam.step: gradient '${g.name}' has ${grad.length} values, expected ${params.length}`,
        );
      }
      g.t++;
      const stepSize = g.lr / (1 - b1 ** g.t);
      const sqrtBias2 = Math.sqrt(1 - b2 ** g.t);
      for (let i = 0; i < params.length; i++) {
        const gi = grad[i];
        const mi = b1 * m[i] + (1 - b1) * gi;
        const vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        params[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtBias2 + eps);
      }
    }
  }

  setLearningRate(name: string, lr: number): void {
    checkLr(name, lr);
    this.group(name).lr = lr;
  }

  /** Zero the moments of the named groups (all when omitted), keeping the step counts (torch-style state reset of m, v only). */
  resetMoments(names?: string[]): void {
    for (const name of names ?? this.groupNames) {
      const g = this.group(name);
      g.m.fill(0);
      g.v.fill(0);
    }
  }

  /**
   * Keep only the items `keep` (indices, in the new order) of each group named in itemSizes (values per item,
   * e.g. 3 for means); other groups are untouched. Moments only: call setParams with the new arrays after.
   */
  select(keep: Uint32Array, itemSizes: Record<string, number>): void {
    for (const [name, size] of Object.entries(itemSizes)) {
      const g = this.group(name);
      const count = checkItems(name, g.m.length, size);
      for (const i of keep) {
        if (size > 0 && i >= count)
          throw new RangeError(`Adam.select: index ${i} out of range for group '${name}' (${count} items)`);
      }
      g.m = gatherItems(g.m, keep, size);
      g.v = gatherItems(g.v, keep, size);
    }
  }

  /** Add zero moments for `count` new items at the end of each group named in itemSizes. */
  append(count: number, itemSizes: Record<string, number>): void {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`Adam.append: count must be >= 0, got ${count}`);
    for (const [name, size] of Object.entries(itemSizes)) {
      const g = this.group(name);
      checkItems(name, g.m.length, size);
      const m = new Float32Array(g.m.length + count * size);
      const v = new Float32Array(m.length);
      m.set(g.m);
      v.set(g.v);
      g.m = m;
      g.v = v;
    }
  }

  /** Point a group at a new parameter array; its length must match the group's (resized) moments. */
  setParams(name: string, params: Float32Array): void {
    const g = this.group(name);
    if (params.length !== g.m.length) {
      throw new RangeError(
        `Adam.setParams: '${name}' has ${params.length} values but the group's moments have ${g.m.length} (resize with select/append first)`,
      );
    }
    g.params = params;
  }

  private group(name: string): GroupState {
    const g = this.groups.get(name);
    if (!g) throw new Error(`Adam: no parameter group '${name}' (groups: ${this.groupNames.join(', ')})`);
    return g;
  }
}

function checkLr(name: string, lr: number): void {
  if (!(lr >= 0 && Number.isFinite(lr)))
    throw new RangeError(`Adam: learning rate of '${name}' must be >= 0, got ${lr}`);
}

function checkItems(name: string, length: number, size: number): number {
  if (!Number.isInteger(size) || size < 0)
    throw new RangeError(`Adam: item size of '${name}' must be >= 0, got ${size}`);
  if (size === 0) return 0;
  if (length % size !== 0) {
    throw new RangeError(
      `Adam: group '${name}' has ${length} values, not a multiple of its item size ${size}`,
    );
  }
  return length / size;
}

function gatherItems(src: Float32Array, keep: Uint32Array, size: number): Float32Array {
  const out = new Float32Array(keep.length * size);
  for (let j = 0; j < keep.length; j++) {
    const s = keep[j] * size;
    for (let k = 0; k < size; k++) out[j * size + k] = src[s + k];
  }
  return out;
}
