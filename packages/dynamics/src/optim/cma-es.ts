import { Random } from '@gsdyn/geometry';
import { symmetricEigen } from './symmetric-eigen.js';

/*
 * Why our own CMA-ES: no maintained CMA-ES package was found for npm (the maintained implementations are
 * Python's `cma` and `cmaes`, and C, Java and Rust ports). The algorithm is ~200 lines; this follows Hansen's tutorial ("The CMA Evolution Strategy: A Tutorial", 2016, Fig. 7 and Table 1) and
 * his `purecma` default settings.
 */

export interface CmaEsOptions {
  seed: number;
  /** Offspring per generation, lambda (default 4 + floor(3 ln n)). */
  populationSize?: number;
  /**
   * Box bounds, per coordinate. Candidates are mapped into the box by reflection at the bounds (a triangle wave
   * of period twice the width), so the search itself stays unconstrained and the objective is only ever asked
   * about points inside the box.
   */
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
}

export interface CmaEsBest {
  /** The best point evaluated so far (inside the bounds). */
  x: Float64Array;
  value: number;
}

/** Ask/tell CMA-ES, (mu/mu_w, lambda) with cumulative step-size adaptation and rank-one + rank-mu updates. */
export class CmaEs {
  readonly dimension: number;
  readonly populationSize: number;
  readonly parentCount: number;
  generation = 0;
  evaluations = 0;
  private readonly weights: Float64Array;
  private readonly mueff: number;
  private readonly cc: number;
  private readonly cs: number;
  private readonly c1: number;
  private readonly cmu: number;
  private readonly damps: number;
  private readonly chiN: number;
  private readonly mean: Float64Array;
  private sigma: number;
  /** Covariance C (row-major), its eigenvectors B (columns) and the square roots D of its eigenvalues. */
  private readonly C: Float64Array;
  private B: Float64Array;
  private readonly D: Float64Array;
  private readonly pc: Float64Array;
  private readonly ps: Float64Array;
  private eigenEvaluations = 0;
  private readonly rng: Random;
  private readonly lower?: Float64Array;
  private readonly upper?: Float64Array;
  private pending: Float64Array[] | undefined;
  private bestSoFar: CmaEsBest | undefined;

  constructor(x0: ArrayLike<number>, sigma0: number, options: CmaEsOptions) {
    const n = x0.length;
    if (n < 1) throw new RangeError('CmaEs: x0 must have at least one coordinate');
    for (let i = 0; i < n; i++)
      if (!Number.isFinite(x0[i])) throw new RangeError(`CmaEs: x0[${i}] must be finite, got ${x0[i]}`);
    if (!(sigma0 > 0) || !Number.isFinite(sigma0))
      throw new RangeError(`CmaEs: sigma0 must be a positive finite number, got ${sigma0}`);
    if (!Number.isInteger(options.seed))
      throw new RangeError(`CmaEs: seed must be an integer, got ${options.seed}`);
    const lambda = options.populationSize ?? 4 + Math.floor(3 * Math.log(n));
    if (!Number.isInteger(lambda) || lambda < 2)
      throw new RangeError(`CmaEs: populationSize must be an integer >= 2, got ${lambda}`);
    if ((options.lower === undefined) !== (options.upper === undefined))
      throw new RangeError('CmaEs: give both lower and upper bounds, or neither');
    if (options.lower !== undefined && options.upper !== undefined) {
      if (options.lower.length !== n || options.upper.length !== n)
        throw new RangeError(`CmaEs: lower and upper must have ${n} entries like x0`);
      for (let i = 0; i < n; i++) {
        const lo = options.lower[i];
        const hi = options.upper[i];
        if (!(lo < hi) || !Number.isFinite(lo) || !Number.isFinite(hi))
          throw new RangeError(`CmaEs: need finite lower[${i}] < upper[${i}], got ${lo}, ${hi}`);
        if (x0[i] < lo || x0[i] > hi)
          throw new RangeError(`CmaEs: x0[${i}] = ${x0[i]} is outside [${lo}, ${hi}]`);
      }
      this.lower = Float64Array.from(options.lower);
      this.upper = Float64Array.from(options.upper);
    }
    this.dimension = n;
    this.populationSize = lambda;
    const mu = Math.floor(lambda / 2);
    this.parentCount = mu;
    const w = new Float64Array(mu);
    for (let i = 0; i < mu; i++) w[i] = Math.log((lambda + 1) / 2) - Math.log(i + 1);
    const wSum = w.reduce((s, v) => s + v, 0);
    for (let i = 0; i < mu; i++) w[i] /= wSum;
    this.weights = w;
    this.mueff = 1 / w.reduce((s, v) => s + v * v, 0);
    const me = this.mueff;
    this.cc = (4 + me / n) / (n + 4 + (2 * me) / n);
    this.cs = (me + 2) / (n + me + 5);
    this.c1 = 2 / ((n + 1.3) ** 2 + me);
    this.cmu = Math.min(1 - this.c1, (2 * (me - 2 + 1 / me)) / ((n + 2) ** 2 + me));
    this.damps = 1 + 2 * Math.max(0, Math.sqrt((me - 1) / (n + 1)) - 1) + this.cs;
    this.chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    this.mean = Float64Array.from(x0);
    this.sigma = sigma0;
    this.C = new Float64Array(n * n);
    this.B = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      this.C[i * n + i] = 1;
      this.B[i * n + i] = 1;
    }
    this.D = new Float64Array(n).fill(1);
    this.pc = new Float64Array(n);
    this.ps = new Float64Array(n);
    this.rng = new Random(options.seed);
  }

  /** The current step size sigma. */
  get stepSize(): number {
    return this.sigma;
  }

  /** The distribution mean, mapped into the bounds. */
  get currentMean(): Float64Array {
    return this.toBounds(this.mean);
  }

  get best(): CmaEsBest | undefined {
    return this.bestSoFar === undefined
      ? undefined
      : { x: this.bestSoFar.x.slice(), value: this.bestSoFar.value };
  }

  /** Largest over smallest eigenvalue of C, as of its last decomposition. */
  get conditionNumber(): number {
    let lo = Number.POSITIVE_INFINITY;
    let hi = 0;
    for (const d of this.D) {
      lo = Math.min(lo, d * d);
      hi = Math.max(hi, d * d);
    }
    return hi / lo;
  }

  /** The largest standard deviation of the search distribution along a coordinate, sigma * max sqrt(C_ii). */
  get coordinateSpread(): number {
    let m = 0;
    const n = this.dimension;
    for (let i = 0; i < n; i++) m = Math.max(m, Math.sqrt(this.C[i * n + i]), Math.abs(this.pc[i]));
    return this.sigma * m;
  }

  /** Samples the next generation: populationSize points to evaluate, in the bounds. Pass their values to tell. */
  ask(): Float64Array[] {
    this.updateEigen();
    const n = this.dimension;
    const { B, D, mean, sigma } = this;
    const z = new Float64Array(n);
    const raw: Float64Array[] = [];
    for (let k = 0; k < this.populationSize; k++) {
      for (let i = 0; i < n; i++) z[i] = D[i] * this.rng.normal();
      const x = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let y = 0;
        for (let j = 0; j < n; j++) y += B[i * n + j] * z[j];
        x[i] = mean[i] + sigma * y;
      }
      raw.push(x);
    }
    this.pending = raw;
    return raw.map((x) => this.toBounds(x));
  }

  /** Updates the distribution from the values (lower is better; NaN counts as worst) of the points of ask. */
  tell(values: ArrayLike<number>): void {
    const raw = this.pending;
    if (raw === undefined) throw new Error('CmaEs.tell: call ask first');
    if (values.length !== raw.length)
      throw new RangeError(
        `CmaEs.tell: expected ${raw.length} values (one per asked point), got ${values.length}`,
      );
    this.pending = undefined;
    const n = this.dimension;
    const lambda = this.populationSize;
    const f = Array.from(values, (v) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v));
    const order = Array.from({ length: lambda }, (_, k) => k).sort((a, b) => f[a] - f[b] || a - b);
    this.evaluations += lambda;
    this.generation++;
    if (this.bestSoFar === undefined || f[order[0]] < this.bestSoFar.value)
      this.bestSoFar = { x: this.toBounds(raw[order[0]]), value: f[order[0]] };

    const { weights, mueff, cc, cs, c1, cmu, damps, chiN, C, sigma } = this;
    const old = this.mean.slice();
    // Steps of the selected points in units of sigma; their weighted mean is the mean's step.
    const ys: Float64Array[] = [];
    const yw = new Float64Array(n);
    for (let k = 0; k < this.parentCount; k++) {
      const x = raw[order[k]];
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        y[i] = (x[i] - old[i]) / sigma;
        yw[i] += weights[k] * y[i];
      }
      ys.push(y);
    }
    for (let i = 0; i < n; i++) this.mean[i] = old[i] + sigma * yw[i];

    // Conjugate evolution path: C^(-1/2) yw = B D^-1 B^T yw.
    const invSqrt = this.invSqrtC(yw);
    const csNorm = Math.sqrt(cs * (2 - cs) * mueff);
    let psNorm2 = 0;
    for (let i = 0; i < n; i++) {
      this.ps[i] = (1 - cs) * this.ps[i] + csNorm * invSqrt[i];
      psNorm2 += this.ps[i] * this.ps[i];
    }
    const psNorm = Math.sqrt(psNorm2);
    // h_sigma stalls the rank-one path while the step size is still growing fast (tutorial eq. 45).
    const hsig = psNorm / Math.sqrt(1 - (1 - cs) ** (2 * this.generation)) / chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const ccNorm = Math.sqrt(cc * (2 - cc) * mueff);
    for (let i = 0; i < n; i++) this.pc[i] = (1 - cc) * this.pc[i] + hsig * ccNorm * yw[i];

    const keep = 1 - c1 - cmu + (1 - hsig) * c1 * cc * (2 - cc);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let rankMu = 0;
        for (let k = 0; k < ys.length; k++) rankMu += weights[k] * ys[k][i] * ys[k][j];
        const v = keep * C[i * n + j] + c1 * this.pc[i] * this.pc[j] + cmu * rankMu;
        C[i * n + j] = v;
        C[j * n + i] = v;
      }
    }
    // Capped at e^1 per generation, as purecma does, against a blow-up after a lucky huge step.
    this.sigma *= Math.exp(Math.min(1, (cs / damps) * (psNorm / chiN - 1)));
    // A flat fitness (the best equals the 70th percentile) gives no ranking; widen the search (Hansen's rule).
    if (f[order[0]] === f[order[Math.ceil(0.7 * (lambda - 1))]]) this.sigma *= Math.exp(0.2 + cs / damps);
  }

  private invSqrtC(v: Float64Array): Float64Array {
    const n = this.dimension;
    const { B, D } = this;
    const t = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += B[i * n + j] * v[i];
      t[j] = s / D[j];
    }
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += B[i * n + j] * t[j];
      out[i] = s;
    }
    return out;
  }

  /** Re-decomposes C, lazily: every lambda / (c1 + cmu) / n / 10 evaluations keeps it O(n^2) per sample. */
  private updateEigen(): void {
    const gap = this.populationSize / (this.c1 + this.cmu) / this.dimension / 10;
    if (this.evaluations - this.eigenEvaluations < gap) return;
    this.eigenEvaluations = this.evaluations;
    const { values, vectors } = symmetricEigen(this.C, this.dimension);
    this.B = vectors;
    for (let i = 0; i < this.dimension; i++) this.D[i] = Math.sqrt(Math.max(values[i], 1e-300));
  }

  private toBounds(x: Float64Array): Float64Array {
    const { lower, upper } = this;
    if (lower === undefined || upper === undefined) return x.slice();
    return x.map((v, i) => reflectIntoInterval(v, lower[i], upper[i]));
  }
}

/** Reflects v at the ends of [lo, hi] until it lies inside (a triangle wave of period 2 (hi - lo)). */
export function reflectIntoInterval(v: number, lo: number, hi: number): number {
  const width = hi - lo;
  let u = (v - lo) / width;
  u -= 2 * Math.floor(u / 2);
  return lo + width * (u <= 1 ? u : 2 - u);
}

export interface MinimizeOptions extends CmaEsOptions {
  /** Whole generations are evaluated while the total stays within this (the first generation always runs). */
  maxEvaluations: number;
  /** Stop once a value at or below this is found. */
  targetValue?: number;
  /** Stop when the values of the last 10 + 30 n / lambda generations' bests and the current one span less (1e-12). */
  tolFun?: number;
  /** Stop when the search distribution's spread along every coordinate is below this (1e-12 * sigma0). */
  tolX?: number;
  onGeneration?: (state: {
    generation: number;
    evaluations: number;
    best: CmaEsBest;
    stepSize: number;
  }) => void;
}

export type StopReason = 'maxEvaluations' | 'targetValue' | 'tolFun' | 'tolX' | 'conditionCov';

export interface MinimizeResult extends CmaEsBest {
  evaluations: number;
  generations: number;
  stopReason: StopReason;
}

/** Minimises f from x0 with CMA-ES; returns the best point evaluated. Deterministic given the seed. */
export function minimize(
  f: (x: Float64Array) => number,
  x0: ArrayLike<number>,
  sigma0: number,
  options: MinimizeOptions,
): MinimizeResult {
  if (!Number.isInteger(options.maxEvaluations) || options.maxEvaluations < 1)
    throw new RangeError(
      `minimize: maxEvaluations must be a positive integer, got ${options.maxEvaluations}`,
    );
  const es = new CmaEs(x0, sigma0, options);
  const tolFun = options.tolFun ?? 1e-12;
  const tolX = options.tolX ?? 1e-12 * sigma0;
  const historyLength = 10 + Math.ceil((30 * es.dimension) / es.populationSize);
  const bestHistory: number[] = [];
  let stopReason: StopReason | undefined;
  while (stopReason === undefined) {
    const points = es.ask();
    const values = points.map((x) => f(x));
    es.tell(values);
    const best = es.best!;
    options.onGeneration?.({
      generation: es.generation,
      evaluations: es.evaluations,
      best,
      stepSize: es.stepSize,
    });
    const finite = values.filter(Number.isFinite);
    bestHistory.push(Math.min(...finite, Number.POSITIVE_INFINITY));
    if (bestHistory.length > historyLength) bestHistory.shift();
    if (options.targetValue !== undefined && best.value <= options.targetValue) stopReason = 'targetValue';
    else if (es.evaluations + es.populationSize > options.maxEvaluations) stopReason = 'maxEvaluations';
    else if (
      bestHistory.length === historyLength &&
      Math.max(...finite, ...bestHistory) - Math.min(...finite, ...bestHistory) < tolFun
    )
      stopReason = 'tolFun';
    else if (es.coordinateSpread < tolX) stopReason = 'tolX';
    else if (es.conditionNumber > 1e14) stopReason = 'conditionCov';
  }
  const best = es.best!;
  return { ...best, evaluations: es.evaluations, generations: es.generation, stopReason };
}
