/**
 * A node of a Tape: a rows x cols row-major matrix (a scalar is 1 x 1, a vector 1 x n). `data` lives in the
 * tape's backend storage and is valid until the tape is reset; copy it (`toFloat32Array`) to keep it longer.
 * Tensors are made by a Tape, never directly.
 */
export class Tensor {
  /** @internal */
  constructor(
    /** The tape that made it (identity only: a tensor cannot be used on another tape). */
    readonly owner: object,
    /** Which of the owner's steps made it: tensors from before a reset are rejected. */
    readonly step: number,
    /** Position on the tape. */
    readonly id: number,
    readonly rows: number,
    readonly cols: number,
    readonly data: Float32Array,
    /** Whether a gradient flows back through it (it depends on a parameter or variable). */
    readonly requiresGrad: boolean,
  ) {}

  get size(): number {
    return this.rows * this.cols;
  }

  /** The value of a 1 x 1 tensor. */
  item(): number {
    if (this.size !== 1)
      throw new RangeError(`Tensor.item: the tensor is ${this.rows} x ${this.cols}, not 1 x 1`);
    return this.data[0];
  }

  at(row: number, col: number): number {
    if (!(row >= 0 && row < this.rows && col >= 0 && col < this.cols))
      throw new RangeError(`Tensor.at: (${row}, ${col}) is outside ${this.rows} x ${this.cols}`);
    return this.data[row * this.cols + col];
  }

  /** A copy of the values that survives the tape's reset. */
  toFloat32Array(): Float32Array {
    return Float32Array.from(this.data.subarray(0, this.size));
  }
}
