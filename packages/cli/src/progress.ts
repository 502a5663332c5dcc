/**
 * Progress of long work on stderr: a redrawn bar on a terminal, otherwise (CI, logs) one line every few seconds.
 * Both show done/total, rate and ETA. Library code never prints; it calls `onProgress(done, total)` callbacks that
 * the CLI points here.
 */
export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Minimum milliseconds between lines when the stream is not a terminal. */
  lineIntervalMs?: number;
  unit?: string;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly started = performance.now();
  private lastDraw = 0;
  private done = 0;
  private finished = false;

  constructor(
    private readonly label: string,
    private total: number,
    private readonly options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  update(done: number, total = this.total, detail = ''): void {
    this.done = done;
    this.total = total;
    const now = performance.now();
    const interval = this.tty ? 100 : (this.options.lineIntervalMs ?? 2000);
    // The last step is drawn by finish(), with the total time.
    if (done >= total || now - this.lastDraw < interval) return;
    this.lastDraw = now;
    this.draw(detail);
  }

  finish(detail = ''): void {
    if (this.finished) return;
    this.finished = true;
    this.done = this.total;
    this.draw(detail);
    if (this.tty) this.stream.write('\n');
  }

  private draw(detail: string): void {
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const eta = rate > 0 ? (this.total - this.done) / rate : Number.NaN;
    const unit = this.options.unit ? ` ${this.options.unit}` : '';
    const stats = `${this.done}/${this.total}${unit}  ${rate.toFixed(1)}/s  ${this.done >= this.total ? `done in ${formatSeconds(elapsed)}` : `ETA ${formatSeconds(eta)}`}`;
    const tail = detail ? `  ${detail}` : '';
    if (this.tty) {
      const width = 24;
      const filled = this.total > 0 ? Math.round((width * this.done) / this.total) : width;
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      this.stream.write(`\r\x1b[2K${this.label} [${bar}] ${stats}${tail}`);
    } else {
      this.stream.write(`${this.label}: ${stats}${tail}\n`);
    }
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s - 60 * m)
    .toString()
    .padStart(2, '0')}s`;
}
