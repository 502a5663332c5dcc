/**
 * Training windows ("unit pushes") of an episode, as `extract_pushes` of gs-dynamics `preprocess.py` picks them
 * (reference-implementation.md 2.5): one model step is a fixed distance of end-effector travel, not a fixed time.
 *
 * For every frame c of the episode:
 * - backwards from c: starting with [c], walk f = c, c-1, ..., 0 and accept f when the end effector moved at least
 *   stepDistance from the previously accepted frame, until `history` frames are accepted;
 * - forwards from c: walk f = c, c+1, ..., T-1 the same way (the last frame is also accepted at
 *   >= 0.75 stepDistance) until history + horizon frames are accepted.
 * The window is the accepted frames in time order: history frames (the last one is c), then horizon frames.
 *
 * A walk that reaches an end of the episode first leaves the window short. `padding: 'repeat'` (the reference)
 * fills it by repeating the frame accepted last by that walk: a short history repeats its oldest frame at the
 * front, a short future repeats its newest frame at the end (the quasi-static assumption: no tool motion, no
 * object motion). `padding: 'drop'` leaves such windows out.
 *
 * One deviation: distances are compared with a relative tolerance of 1e-6 (10 nm at 1 cm), because positions are
 * stored in float32 and a move of exactly stepDistance (the simulator's pusher rises 1 cm per frame) would
 * otherwise be accepted or not by the rounding of its coordinates.
 */
export interface WindowOptions {
  /** End-effector travel per model step, metres (0.01). */
  stepDistance: number;
  history: number;
  horizon: number;
  padding: WindowPadding;
}

export type WindowPadding = 'repeat' | 'drop';

const DISTANCE_TOLERANCE = 1e-6;

export interface EpisodeWindows {
  /** count x (history + horizon) frame indices, row-major. */
  frames: Int32Array;
  count: number;
  /** Windows that needed padding (kept under 'repeat', dropped under 'drop'). */
  padded: number;
}

/** The end effector of T frames: T x 3 positions. */
export function selectWindows(endEffector: ArrayLike<number>, options: WindowOptions): EpisodeWindows {
  const T = endEffector.length / 3;
  if (!Number.isInteger(T) || T < 1)
    throw new RangeError(
      `selectWindows: endEffector must hold 3 values per frame and at least one frame, got ${endEffector.length} values`,
    );
  const { stepDistance, history, horizon, padding } = options;
  if (!(stepDistance > 0) || !Number.isFinite(stepDistance))
    throw new RangeError(`selectWindows: stepDistance must be a positive number, got ${stepDistance}`);
  if (!Number.isInteger(history) || history < 1)
    throw new RangeError(`selectWindows: history must be a positive integer, got ${history}`);
  if (!Number.isInteger(horizon) || horizon < 1)
    throw new RangeError(`selectWindows: horizon must be a positive integer, got ${horizon}`);
  if (padding !== 'repeat' && padding !== 'drop')
    throw new RangeError(`selectWindows: padding must be 'repeat' or 'drop', got ${padding}`);

  const length = history + horizon;
  const step = stepDistance * (1 - DISTANCE_TOLERANCE);
  const lastStep = 0.75 * stepDistance * (1 - DISTANCE_TOLERANCE);
  const distance = (a: number, b: number) =>
    Math.hypot(
      endEffector[3 * a] - endEffector[3 * b],
      endEffector[3 * a + 1] - endEffector[3 * b + 1],
      endEffector[3 * a + 2] - endEffector[3 * b + 2],
    );
  const rows: number[] = [];
  let padded = 0;
  for (let c = 0; c < T; c++) {
    const past = [c];
    let last = c;
    for (let f = c; f >= 0 && past.length < history; f--) {
      if (distance(f, last) >= step) {
        past.push(f);
        last = f;
      }
    }
    const shortPast = past.length < history;
    while (past.length < history) past.push(past[past.length - 1]);
    const window = past.reverse();
    last = c;
    for (let f = c; f < T && window.length < length; f++) {
      const d = distance(f, last);
      if (d >= step || (f === T - 1 && d >= lastStep)) {
        window.push(f);
        last = f;
      }
    }
    const shortFuture = window.length < length;
    while (window.length < length) window.push(window[window.length - 1]);
    if (shortPast || shortFuture) {
      padded++;
      if (padding === 'drop') continue;
    }
    rows.push(...window);
  }
  return { frames: Int32Array.from(rows), count: rows.length / length, padded };
}
