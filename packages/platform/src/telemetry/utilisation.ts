/**
 * How busy a worker is: the fraction of its job slots (concurrency) in use, integrated over time. `sample()`
 * returns the busy fraction since the previous sample (what a scrape reports); `busySeconds()` the running total
 * of slot-seconds in use (rate() of it over concurrency gives the same over any window).
 */
export class UtilisationTracker {
  private active = 0;
  private integral = 0;
  private lastEvent: number;
  private sampledIntegral = 0;
  private sampledAt: number;

  constructor(
    readonly concurrency: number,
    private readonly now: () => number = () => performance.now() / 1000,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`concurrency ${concurrency}: expected an integer >= 1`);
    this.lastEvent = now();
    this.sampledAt = this.lastEvent;
  }

  private advance(): number {
    const t = this.now();
    this.integral += this.active * (t - this.lastEvent);
    this.lastEvent = t;
    return t;
  }

  /** A job started; returns the function that ends it (calling it twice counts once). */
  start(): () => void {
    this.advance();
    this.active++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.advance();
      this.active--;
    };
  }

  get activeJobs(): number {
    return this.active;
  }

  busySeconds(): number {
    this.advance();
    return this.integral;
  }

  /** Busy fraction in [0, 1] since the previous sample (the current occupancy when no time has passed). */
  sample(): number {
    const t = this.advance();
    const window = t - this.sampledAt;
    const busy = this.integral - this.sampledIntegral;
    this.sampledAt = t;
    this.sampledIntegral = this.integral;
    const fraction = window > 0 ? busy / (window * this.concurrency) : this.active / this.concurrency;
    return Math.min(1, Math.max(0, fraction));
  }
}
