import type { Logger } from 'pino';

export type ShutdownHandler = () => void | Promise<void>;

export interface ShutdownOptions {
  /** Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** After this long the process exits with code 1 even if handlers are still running (default 30 s). */
  timeoutMs?: number;
  logger?: Logger;
  /** Default process.exit. */
  exit?: (code: number) => void;
}

/**
 * Runs the registered handlers once when the process is asked to stop: in reverse order of registration (what
 * was opened last closes first: workers before the connections they use), one after the other, then exits 0, or 1
 * if a handler failed or the timeout passed. A second signal while stopping exits 1 at once.
 */
export class ShutdownCoordinator {
  private readonly handlers: ShutdownHandler[] = [];
  private stopping: Promise<void> | undefined;
  private installed = false;
  private readonly signals: readonly NodeJS.Signals[];
  private readonly timeoutMs: number;
  private readonly exit: (code: number) => void;
  private readonly listener = (signal: NodeJS.Signals) => {
    void this.trigger(signal);
  };

  constructor(private readonly options: ShutdownOptions = {}) {
    this.signals = options.signals ?? ['SIGTERM', 'SIGINT'];
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.exit = options.exit ?? ((code) => process.exit(code));
  }

  /** Registers a handler (and the signal listeners, on first use); returns a function that unregisters it. */
  add(handler: ShutdownHandler): () => void {
    this.handlers.push(handler);
    if (!this.installed) {
      this.installed = true;
      for (const s of this.signals) process.on(s, this.listener);
    }
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Starts the shutdown (as a signal would); resolves when the handlers are done, just before exiting. */
  trigger(reason: string): Promise<void> {
    if (this.stopping) {
      this.options.logger?.warn({ reason }, 'second stop request: exiting now');
      this.exit(1);
      return this.stopping;
    }
    this.options.logger?.info({ reason }, 'shutting down');
    this.stopping = (async () => {
      let code = 0;
      const timer = setTimeout(() => {
        this.options.logger?.error({ timeoutMs: this.timeoutMs }, 'shutdown timed out');
        this.exit(1);
      }, this.timeoutMs);
      timer.unref();
      for (const handler of [...this.handlers].reverse()) {
        try {
          await handler();
        } catch (error) {
          code = 1;
          this.options.logger?.error({ err: error }, 'shutdown handler failed');
        }
      }
      clearTimeout(timer);
      for (const s of this.signals) process.off(s, this.listener);
      this.options.logger?.info({ code }, 'stopped');
      this.exit(code);
    })();
    return this.stopping;
  }
}

let processCoordinator: ShutdownCoordinator | undefined;

/**
 * Registers a handler to run on SIGTERM / SIGINT (close workers, then queues and connections, then servers);
 * the options of the first call configure the process-wide coordinator. Returns the unregister function.
 */
export function onShutdown(handler: ShutdownHandler, options: ShutdownOptions = {}): () => void {
  processCoordinator ??= new ShutdownCoordinator(options);
  return processCoordinator.add(handler);
}
