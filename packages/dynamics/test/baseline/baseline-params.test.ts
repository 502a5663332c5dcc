import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BASELINE_PARAM_NAMES,
  BASELINE_PARAM_RANGES,
  baselineParamsFromUnit,
  baselineParamsToUnit,
  checkBaselineParams,
  DEFAULT_BASELINE_PARAMS,
} from '../../src/baseline/baseline-params.js';

test('normalised parameters round-trip, and the unit cube corners are the bounds', () => {
  const unit = baselineParamsToUnit(DEFAULT_BASELINE_PARAMS);
  for (const u of unit) assert.ok(u > 0 && u < 1);
  const back = baselineParamsFromUnit(unit);
  for (const name of BASELINE_PARAM_NAMES)
    assert.ok(
      Math.abs(back[name] - DEFAULT_BASELINE_PARAMS[name]) <
        1e-12 * Math.max(1, DEFAULT_BASELINE_PARAMS[name]),
    );
  const low = baselineParamsFromUnit(new Float64Array(BASELINE_PARAM_NAMES.length));
  const high = baselineParamsFromUnit(new Float64Array(BASELINE_PARAM_NAMES.length).fill(1));
  for (const name of BASELINE_PARAM_NAMES) {
    assert.equal(low[name], BASELINE_PARAM_RANGES[name].lower);
    assert.equal(high[name], BASELINE_PARAM_RANGES[name].upper);
  }
});

test('stiffnesses map logarithmically: the middle of the unit range is the geometric mean', () => {
  const mid = baselineParamsFromUnit(new Float64Array(BASELINE_PARAM_NAMES.length).fill(0.5));
  assert.ok(Math.abs(mid.stretchStiffness - 1e-2) < 1e-15);
  assert.ok(Math.abs(mid.damping - 0.5) < 1e-15);
  // Out-of-range coordinates are clamped.
  const clamped = baselineParamsFromUnit([-1, 2, 0.5, 0.5, 0.5, 0.5]);
  assert.equal(clamped.stretchStiffness, 1e-4);
  assert.equal(clamped.compressionStiffness, 1);
});

test('checkBaselineParams names the offending parameter', () => {
  assert.throws(
    () => checkBaselineParams({ ...DEFAULT_BASELINE_PARAMS, friction: 7 }, 'caller'),
    /caller: params.friction must be a number in \[0, 4\], got 7/,
  );
  assert.throws(
    () => checkBaselineParams({ ...DEFAULT_BASELINE_PARAMS, damping: Number.NaN }, 'c'),
    /params.damping/,
  );
  assert.throws(() => baselineParamsFromUnit([0, 0]), /expected 6 coordinates/);
});
