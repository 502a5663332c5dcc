import { extractRotation } from '@gsdyn/geometry';
import { type BaselineOptions, resolveBaselineOptions } from './baseline-options.js';
import { type BaselineParams, checkBaselineParams } from './baseline-params.js';
import { checkRolloutProblem, type RolloutProblem } from './rollout-problem.js';
import { buildSpringGraph, type SpringGraph } from './spring-graph.js';

/**
 * How far gravity lowers the object per substep (metres), as a whole: an object that is not resting on the table
 * falls back onto it. Gravity deliberately does not pull particles individually: without self-collision nothing
 * would hold up a fold or the upper layer of a stack, and fits on simulated cloth were clearly worse with it
 * (validation error 4.2 mm with 0.1 mm per substep against 3.6 mm without; "nothing moves" scores 4.3 mm).
 */
export const GRAVITY_DROP = 0.0005;
/** The slip per substep that friction 1 removes from a particle resting on the table (metres). */
export const FRICTION_SLIP = 0.001;

/**
 * The physics baseline: a quasi-static position-based particle model built from the particles alone (no mesh,
 * no time step). The current state is the rest shape. Each rollout step moves the tool in `substeps` straight
 * substeps; each substep carries over (1 - damping) of the last substep's motion and lowers the object by up to
 * GRAVITY_DROP onto the table, then iterates springs (stretchStiffness and compressionStiffness, rest lengths
 * from the current state), global shape matching to the current state (shapeStiffness), the table (the object's
 * lowest current height is the floor, never below z = 0) and the tool (a vertical cylinder from its tip upwards,
 * pushing particles of particleRadius radially out), then applies Coulomb-like table friction (friction) and
 * projects out of the tool once more, so no particle ends inside it.
 *
 * Constructing it does the parameter-free work (springs, rest shape, tool path) once, so that a fit can roll the
 * same problem out with thousands of parameter sets.
 */
export class BaselineSimulator {
  readonly objectCount: number;
  readonly horizon: number;
  readonly options: BaselineOptions;
  /** The floor height: particle centres stay at or above it. */
  readonly floor: number;
  readonly springs: SpringGraph;
  private readonly initial: Float64Array;
  private readonly initialVelocity: Float64Array;
  /** The current state centred on its centroid: the shape matching's rest shape. */
  private readonly rest: Float64Array;
  /** (horizon + 1) x 3: the tool tip now and after every step. */
  private readonly toolPath: Float64Array;
  private readonly substepCounts: Int32Array;
  private readonly toolRadius: number;
  private readonly x: Float64Array;
  private readonly previous: Float64Array;
  private readonly velocity: Float64Array;
  private readonly q = new Float64Array(4);
  private readonly R = new Float64Array(9);
  private readonly A = new Float64Array(9);

  constructor(problem: RolloutProblem, options?: Partial<BaselineOptions>) {
    const { historyFrames, horizon } = checkRolloutProblem(problem, 'BaselineSimulator');
    this.options = resolveBaselineOptions(options, 'BaselineSimulator');
    const n = problem.objectCount;
    this.objectCount = n;
    this.horizon = horizon;
    this.toolRadius = problem.toolRadius;
    const size = 3 * n;
    const last = historyFrames - 1;
    this.initial = Float64Array.from(problem.history.subarray(last * size, (last + 1) * size));
    let floor = Number.POSITIVE_INFINITY;
    for (let p = 0; p < n; p++) floor = Math.min(floor, this.initial[3 * p + 2]);
    this.floor = Math.max(0, floor);
    // Tracked data can dip a little below z = 0; such particles start on the floor.
    for (let p = 0; p < n; p++) this.initial[3 * p + 2] = Math.max(this.initial[3 * p + 2], this.floor);

    this.toolPath = Float64Array.from(problem.tool.subarray(3 * last));
    this.substepCounts = new Int32Array(horizon);
    for (let s = 0; s < horizon; s++) {
      const travel = Math.hypot(
        this.toolPath[3 * s + 3] - this.toolPath[3 * s],
        this.toolPath[3 * s + 4] - this.toolPath[3 * s + 1],
        this.toolPath[3 * s + 5] - this.toolPath[3 * s + 2],
      );
      this.substepCounts[s] = Math.max(
        this.options.substeps,
        Math.ceil(travel / this.options.maxSubstepTravel),
      );
    }
    // The motion of the last history step, spread over the first step's substeps.
    this.initialVelocity = new Float64Array(size);
    if (historyFrames >= 2) {
      const before = problem.history.subarray((last - 1) * size, last * size);
      for (let i = 0; i < size; i++)
        this.initialVelocity[i] = (this.initial[i] - before[i]) / this.substepCounts[0];
    }

    this.springs = buildSpringGraph(this.initial, this.options.springRadius, this.options.springNeighbours);
    this.rest = new Float64Array(size);
    const c = centroid(this.initial);
    for (let p = 0; p < n; p++)
      for (let a = 0; a < 3; a++) this.rest[3 * p + a] = this.initial[3 * p + a] - c[a];
    this.x = new Float64Array(size);
    this.previous = new Float64Array(size);
    this.velocity = new Float64Array(size);
  }

  /** The predicted particles after every step: horizon x objectCount x 3, written into `out` if given. */
  rollout(params: BaselineParams, out?: Float32Array): Float32Array {
    checkBaselineParams(params, 'BaselineSimulator.rollout');
    const n = this.objectCount;
    const size = 3 * n;
    const result = out ?? new Float32Array(this.horizon * size);
    if (result.length !== this.horizon * size)
      throw new RangeError(
        `BaselineSimulator.rollout: out must hold ${this.horizon * size} values, got ${result.length}`,
      );
    const { x, previous, velocity, toolPath } = this;
    x.set(this.initial);
    velocity.set(this.initialVelocity);
    this.q.set([1, 0, 0, 0]);
    const keep = 1 - params.damping;
    const slipCap = params.friction * FRICTION_SLIP;
    let dirX = 1;
    let dirY = 0;
    for (let s = 0; s < this.horizon; s++) {
      const substeps = this.substepCounts[s];
      const fx = toolPath[3 * s];
      const fy = toolPath[3 * s + 1];
      const fz = toolPath[3 * s + 2];
      const mx = toolPath[3 * s + 3] - fx;
      const my = toolPath[3 * s + 4] - fy;
      const mz = toolPath[3 * s + 5] - fz;
      const horizontal = Math.hypot(mx, my);
      if (horizontal > 1e-9) {
        dirX = mx / horizontal;
        dirY = my / horizontal;
      }
      for (let k = 1; k <= substeps; k++) {
        const t = k / substeps;
        const tipX = fx + mx * t;
        const tipY = fy + my * t;
        const tipZ = fz + mz * t;
        previous.set(x);
        let clearance = Number.POSITIVE_INFINITY;
        for (let p = 0; p < n; p++) {
          const i = 3 * p;
          x[i] += keep * velocity[i];
          x[i + 1] += keep * velocity[i + 1];
          x[i + 2] += keep * velocity[i + 2];
          clearance = Math.min(clearance, x[i + 2] - this.floor);
        }
        const drop = Math.min(GRAVITY_DROP, Math.max(0, clearance));
        if (drop > 0) for (let i = 2; i < size; i += 3) x[i] -= drop;
        for (let it = 0; it < this.options.iterations; it++) {
          this.solveSprings(params.stretchStiffness, params.compressionStiffness);
          this.solveShapeMatching(params.shapeStiffness);
          this.solveTable();
          this.solveTool(tipX, tipY, tipZ, params.particleRadius, dirX, dirY);
        }
        this.applyFriction(slipCap);
        this.solveTool(tipX, tipY, tipZ, params.particleRadius, dirX, dirY);
        for (let i = 0; i < size; i++) velocity[i] = x[i] - previous[i];
      }
      for (let i = 0; i < size; i++) result[s * size + i] = x[i];
    }
    return result;
  }

  private solveSprings(stretch: number, compression: number): void {
    const { x } = this;
    const { a, b, restLength, count } = this.springs;
    for (let s = 0; s < count; s++) {
      const i = 3 * a[s];
      const j = 3 * b[s];
      const dx = x[j] - x[i];
      const dy = x[j + 1] - x[i + 1];
      const dz = x[j + 2] - x[i + 2];
      const length = Math.sqrt(dx * dx + dy * dy + dz * dz);
      if (length < 1e-12) continue;
      const error = length - restLength[s];
      // Equal masses: each end takes half of the correction. The tool is kinematic, yet particles it pushes keep
      // their mass here and in the shape matching: treating them as heavy made a pushed block follow the tool
      // exactly, but made fits to simulated rope clearly worse (validation error 1.08 mm against 0.76 mm), the
      // compliance of the material between sparse particles being what the lag stands in for.
      const k = (0.5 * (error > 0 ? stretch : compression) * error) / length;
      x[i] += k * dx;
      x[i + 1] += k * dy;
      x[i + 2] += k * dz;
      x[j] -= k * dx;
      x[j + 1] -= k * dy;
      x[j + 2] -= k * dz;
    }
  }

  /**
   * Mueller et al. 2005 shape matching (equal masses): every particle moves `stiffness` of the way to its place in
   * the rest shape rigidly fitted to the current particles, the goal shape lifted so that it stays above the floor.
   */
  private solveShapeMatching(stiffness: number): void {
    const { x, rest, A, R, q } = this;
    const n = this.objectCount;
    const c = centroid(x);
    A.fill(0);
    for (let p = 0; p < n; p++) {
      const dx = x[3 * p] - c[0];
      const dy = x[3 * p + 1] - c[1];
      const dz = x[3 * p + 2] - c[2];
      const rx = rest[3 * p];
      const ry = rest[3 * p + 1];
      const rz = rest[3 * p + 2];
      A[0] += dx * rx;
      A[1] += dx * ry;
      A[2] += dx * rz;
      A[3] += dy * rx;
      A[4] += dy * ry;
      A[5] += dy * rz;
      A[6] += dz * rx;
      A[7] += dz * ry;
      A[8] += dz * rz;
    }
    extractRotation(A, q, R, 8);
    let lowest = Number.POSITIVE_INFINITY;
    for (let p = 0; p < n; p++)
      lowest = Math.min(lowest, R[6] * rest[3 * p] + R[7] * rest[3 * p + 1] + R[8] * rest[3 * p + 2]);
    const cz = Math.max(c[2], this.floor - lowest);
    for (let p = 0; p < n; p++) {
      const i = 3 * p;
      const rx = rest[i];
      const ry = rest[i + 1];
      const rz = rest[i + 2];
      x[i] += stiffness * (c[0] + R[0] * rx + R[1] * ry + R[2] * rz - x[i]);
      x[i + 1] += stiffness * (c[1] + R[3] * rx + R[4] * ry + R[5] * rz - x[i + 1]);
      x[i + 2] += stiffness * (cz + R[6] * rx + R[7] * ry + R[8] * rz - x[i + 2]);
    }
  }

  private solveTable(): void {
    const { x, floor } = this;
    for (let i = 2; i < x.length; i += 3) if (x[i] < floor) x[i] = floor;
  }

  /**
   * The tool as the simulator that made the data models it (sim physics/contacts.ts): a particle that reaches
   * above the tip (z + r > tip z) and is horizontally closer to the axis than toolRadius + r moves radially out;
   * one exactly on the axis moves along the tool's direction of travel.
   */
  private solveTool(tipX: number, tipY: number, tipZ: number, r: number, dirX: number, dirY: number): void {
    const { x } = this;
    const reach = this.toolRadius + r;
    const reach2 = reach * reach;
    for (let i = 0; i < x.length; i += 3) {
      if (x[i + 2] + r <= tipZ) continue;
      const dx = x[i] - tipX;
      const dy = x[i + 1] - tipY;
      const d2 = dx * dx + dy * dy;
      if (d2 >= reach2) continue;
      const d = Math.sqrt(d2);
      if (d > 1e-12) {
        x[i] = tipX + (dx / d) * reach;
        x[i + 1] = tipY + (dy / d) * reach;
      } else {
        x[i] = tipX + dirX * reach;
        x[i + 1] = tipY + dirY * reach;
      }
    }
  }

  /**
   * Particles resting on the floor keep their substep's horizontal slip only beyond slipCap (reduced by it), and
   * none below it: the static and kinetic regimes of Coulomb friction at a constant normal load.
   */
  private applyFriction(slipCap: number): void {
    const { x, previous, floor } = this;
    if (slipCap <= 0) return;
    for (let i = 0; i < x.length; i += 3) {
      if (x[i + 2] > floor + 1e-9) continue;
      const sx = x[i] - previous[i];
      const sy = x[i + 1] - previous[i + 1];
      const slip = Math.sqrt(sx * sx + sy * sy);
      if (slip <= slipCap) {
        x[i] = previous[i];
        x[i + 1] = previous[i + 1];
      } else {
        const k = slipCap / slip;
        x[i] -= k * sx;
        x[i + 1] -= k * sy;
      }
    }
  }
}

function centroid(x: Float64Array): [number, number, number] {
  const n = x.length / 3;
  let cx = 0;
  let cy = 0;
  let cz = 0;
  for (let p = 0; p < n; p++) {
    cx += x[3 * p];
    cy += x[3 * p + 1];
    cz += x[3 * p + 2];
  }
  return [cx / n, cy / n, cz / n];
}
