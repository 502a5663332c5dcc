import { InvalidArgumentError } from 'commander';

/** A commander parser for an integer option within [min, max]. */
export function intIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

/** A commander parser for a finite number within [min, max]. */
export function numberIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

/** A commander parser for a comma-separated list of exactly `count` numbers. */
export function numberList(count: number): (value: string) => number[] {
  return (value) => {
    const parts = value.split(',').map((s) => Number(s.trim()));
    if (parts.length !== count || parts.some((n) => !Number.isFinite(n)))
      throw new InvalidArgumentError(`expected ${count} comma-separated numbers, got "${value}"`);
    return parts;
  };
}
