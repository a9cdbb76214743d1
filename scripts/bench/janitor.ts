/**
 * Remembers every process the benchmark started and ends them however the run ends: normally, on an error,
 * on Ctrl-C/SIGTERM, or on a crash (the last one with a synchronous SIGKILL, as `exit` handlers cannot wait).
 */
export interface TrackedProcess {
  label: string;
  /** Graceful stop; resolves once the process is gone. */
  stop(): Promise<unknown>;
  /** Last resort, synchronous. */
  kill(): void;
}

export class Janitor {
  private readonly live = new Set<TrackedProcess>();
  private installed = false;

  track(process: TrackedProcess): () => void {
    this.live.add(process);
    return () => this.live.delete(process);
  }

  /** Stops one tracked process and forgets it. */
  async stop(process: TrackedProcess): Promise<void> {
    try {
      await process.stop();
    } finally {
      this.live.delete(process);
    }
  }

  async stopAll(): Promise<void> {
    const all = [...this.live];
    await Promise.allSettled(all.map((p) => this.stop(p)));
  }

  /** Signal and exit hooks: a Ctrl-C stops everything gracefully, then exits 130 (143 for SIGTERM). */
  install(onSignal: (signal: NodeJS.Signals) => void = () => undefined): void {
    if (this.installed) return;
    this.installed = true;
    const handle = (signal: NodeJS.Signals) => {
      onSignal(signal);
      const hardStop = setTimeout(() => process.exit(1), 40_000);
      hardStop.unref();
      void this.stopAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    };
    process.once("SIGINT", handle);
    process.once("SIGTERM", handle);
    process.once("exit", () => {
      for (const p of this.live) p.kill();
    });
  }
}

/**
 * A benchmark run's guards: a janitor with its signal hooks, and a deadline after which everything it started is
 * stopped and the run exits 1 (a stuck run must not hold the shared machine).
 */
export function guardRun(deadlineMs: number, log: (message: string) => void): { janitor: Janitor; clearDeadline: () => void } {
  const janitor = new Janitor();
  janitor.install((signal) => log(`${signal}: stopping everything the benchmark started`));
  const deadline = setTimeout(() => {
    log(`the run took longer than ${deadlineMs / 60_000} minutes; giving up`);
    void janitor.stopAll().finally(() => process.exit(1));
  }, deadlineMs);
  deadline.unref();
  return { janitor, clearDeadline: () => clearTimeout(deadline) };
}
