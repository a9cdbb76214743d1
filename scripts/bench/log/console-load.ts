import type { ApiClient } from "./api-client";
import { exportDayPath } from "./export-measure";

/**
 * An operator using the console hard: one loop pages through the log cursor after cursor (starting over after
 * 1,000 pages), another exports a day as CSV again and again. Runs until stop(); says how much it did.
 */
export interface ConsoleLoadStats {
  pages: number;
  /** Exports read to their end. */
  exports: number;
  exportRows: number;
  errors: number;
}

export class ConsoleLoad {
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly stats: ConsoleLoadStats = { pages: 0, exports: 0, exportRows: 0, errors: 0 };
  private loops: Promise<void>[] = [];

  constructor(
    private readonly api: ApiClient,
    private readonly endMs: number,
  ) {}

  start(): void {
    this.loops = [this.pager(), this.exporter()];
  }

  private async pager(): Promise<void> {
    let cursor: string | null = null;
    let depth = 0;
    while (!this.stopped) {
      try {
        const path: string = `/api/requests?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const { body } = await this.api.json<{ nextCursor: string | null }>(path);
        this.stats.pages += 1;
        depth += 1;
        cursor = depth >= 1000 ? null : body.nextCursor;
        if (!cursor) depth = 0;
      } catch {
        this.stats.errors += 1;
      }
    }
  }

  private async exporter(): Promise<void> {
    while (!this.stopped) {
      try {
        // Rows count as they arrive: an export cut by stop() still counts what it sent.
        await this.api.lines(exportDayPath(this.endMs), this.abort.signal, (lines) => {
          this.stats.exportRows += lines;
        });
        this.stats.exports += 1;
      } catch {
        if (!this.stopped) this.stats.errors += 1;
      }
    }
  }

  async stop(): Promise<ConsoleLoadStats> {
    this.stopped = true;
    this.abort.abort();
    await Promise.allSettled(this.loops);
    return { ...this.stats };
  }
}
