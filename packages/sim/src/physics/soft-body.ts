import { BendingConstraints } from './bending-constraints.js';
import type { ContactMaterial } from './contacts.js';
import { DistanceConstraints } from './distance-constraints.js';
import type { ShapeMatching } from './shape-matching.js';
import { VolumeConstraints } from './volume-constraints.js';

/**
 * A set of particles and the XPBD constraints between them, over flat Float64Arrays (3 per particle).
 * Objects (rope, cloth, plush) build one; the solver in solver.ts steps it.
 */
export class SoftBody {
  readonly count: number;
  readonly positions: Float64Array;
  /** Positions at the start of the current substep (XPBD's x_prev). */
  readonly previous: Float64Array;
  readonly velocities: Float64Array;
  readonly inverseMass: Float64Array;
  /** Collision radius per particle: the table keeps the centre at z >= radius, the pusher keeps it out by it. */
  readonly radius: Float64Array;
  readonly distances = new DistanceConstraints();
  readonly volumes = new VolumeConstraints();
  /** Curvature-based bending (cloth); distance constraints stand in for bending elsewhere. */
  readonly bending = new BendingConstraints();
  /**
   * Gauss-Seidel sweeps of the distance constraints per substep (1 elsewhere): an inextensible cloth squeezed by
   * the pusher against the table keeps less constraint error with more sweeps, error that would otherwise
   * spring back as velocity when the squeeze is released.
   */
  distanceIterations = 1;
  /** Optional global shape matching (volumetric bodies). */
  shapeMatching: ShapeMatching | undefined;
  material: ContactMaterial & {
    /** Linear velocity damping rate (1/s): v *= exp(-damping * h) each substep. */
    damping: number;
  };

  constructor(positions: Float64Array, mass: Float64Array, radius: Float64Array) {
    const n = mass.length;
    if (positions.length !== 3 * n) {
      throw new RangeError(`SoftBody: positions has length ${positions.length}, expected 3 x ${n} particles`);
    }
    if (radius.length !== n)
      throw new RangeError(`SoftBody: radius has length ${radius.length}, expected ${n}`);
    this.count = n;
    this.positions = Float64Array.from(positions);
    this.previous = Float64Array.from(positions);
    this.velocities = new Float64Array(3 * n);
    this.inverseMass = mass.map((m) => {
      if (!(m > 0)) throw new RangeError(`SoftBody: mass must be positive, got ${m}`);
      return 1 / m;
    });
    this.radius = Float64Array.from(radius);
    this.material = { tableStaticFriction: 0.6, tableDynamicFriction: 0.45, pusherFriction: 0.3, damping: 1 };
  }

  /** The dynamic state (positions and velocities), to restart a simulation from it. */
  saveState(): BodyState {
    return { positions: Float64Array.from(this.positions), velocities: Float64Array.from(this.velocities) };
  }

  restoreState(state: BodyState): void {
    this.positions.set(state.positions);
    this.previous.set(state.positions);
    this.velocities.set(state.velocities);
  }
}

export interface BodyState {
  positions: Float64Array;
  velocities: Float64Array;
}
