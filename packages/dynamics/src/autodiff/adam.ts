import type { Parameter } from '../model/config.js';

export interface AdamOptions {
  /** Learning rate (the reference trains with 1e-3). */
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

interface Moments {
  parameter: Parameter;
  m: Float32Array;
  v: Float32Array;
  /** Updates applied to this parameter: the t of its bias corrections (torch counts per parameter too). */
  t: number;
}

/**
 * Adam exactly as torch.optim.Adam with its defaults (beta1 0.9, beta2 0.999, eps 1e-8, no weight decay, no
 * amsgrad), over model parameters updated in place:
 *   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * Moments are stored in float32 like torch's and each element is updated in float64. A parameter without a
 * gradient in a step is left alone, moments and step count included (torch skips parameters whose grad is None).
 */
export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly state = new Map<string, Moments>();

  constructor(parameters: readonly Parameter[], options: AdamOptions) {
    this.lr = options.lr;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    if (!(this.lr > 0 && Number.isFinite(this.lr)))
      throw new RangeError(`Adam: lr must be a positive number, got ${this.lr}`);
    for (const [key, b] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const)
      if (!(b >= 0 && b < 1)) throw new RangeError(`Adam: ${key} must be in [0, 1), got ${b}`);
    if (!(this.eps >= 0)) throw new RangeError(`Adam: eps must be >= 0, got ${this.eps}`);
    for (const p of parameters) {
      if (this.state.has(p.name)) throw new Error(`Adam: two parameters are named '${p.name}'`);
      this.state.set(p.name, {
        parameter: p,
        m: new Float32Array(p.data.length),
        v: new Float32Array(p.data.length),
        t: 0,
      });
    }
  }

  /** Updates every parameter that has a gradient in `grads` (by name, e.g. Tape.grads). */
  step(grads: ReadonlyMap<string, Float32Array>): void {
    for (const name of grads.keys())
      if (!this.state.has(name)) throw new Error(`Adam.step: gradient for unknown parameter '${name}'`);
    const { beta1: b1, beta2: b2, eps } = this;
    for (const [name, s] of this.state) {
      const g = grads.get(name);
      if (!g) continue;
      const p = s.parameter.data;
      if (g.length !== p.length)
        throw new RangeError(`Adam.step: '${name}' has ${p.length} values but its gradient has ${g.length}`);
      s.t++;
      const stepSize = this.lr / (1 - b1 ** s.t);
      const correction2 = Math.sqrt(1 - b2 ** s.t);
      const { m, v } = s;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / correction2 + eps);
      }
    }
  }

  /** The moments and step counts by parameter name (copies), for checkpoints. */
  exportState(): Map<string, { m: Float32Array; v: Float32Array; t: number }> {
    return new Map([...this.state].map(([name, s]) => [name, { m: s.m.slice(), v: s.v.slice(), t: s.t }]));
  }

  /** Restores what exportState returned (a resumed run continues exactly where it stopped). */
  loadState(state: ReadonlyMap<string, { m: Float32Array; v: Float32Array; t: number }>): void {
    for (const [name, s] of this.state) {
      const saved = state.get(name);
      if (!saved) throw new Error(`Adam.loadState: no saved moments for '${name}'`);
      if (saved.m.length !== s.m.length || saved.v.length !== s.v.length)
        throw new RangeError(
          `Adam.loadState: '${name}' has ${s.m.length} values, the saved moments ${saved.m.length}`,
        );
      s.m.set(saved.m);
      s.v.set(saved.v);
      s.t = saved.t;
    }
  }

  /** Updates applied so far to the named parameter. */
  stepCount(name: string): number {
    const s = this.state.get(name);
    if (!s) throw new Error(`Adam.stepCount: unknown parameter '${name}'`);
    return s.t;
  }
}
