import type { Random } from '@gsdyn/geometry';
import type { WindowRef } from './training-sample.js';

/** `count` windows drawn without replacement (all of them when there are fewer), in a seeded random order. */
export function chooseWindows(refs: readonly WindowRef[], count: number, rng: Random): WindowRef[] {
  const order = refs.slice();
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, Math.min(count, order.length));
}
