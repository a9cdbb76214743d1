import { percentile } from "../stats";
import { ApiClient } from "./api-client";
import { ConsoleLoad, type ConsoleLoadStats } from "./console-load";
import { GatewayProbe, type ProbeTarget } from "./gateway-probe";
import { LAG_RESOLUTION_MS, LoopLagScraper, type LagScrape } from "./loop-lag";

/**
 * The gateway's added latency (concurrency 1, vs the simulator directly) and the app's event-loop delay, with the
 * console idle and while a client pages through the log and exports. Idle and busy blocks alternate, so drift of
 * a shared machine falls on both alike; samples are pooled per side.
 */
export interface SideFigures {
  requests: number;
  errors: number;
  directP50: number;
  directP99: number;
  gatewayP50: number;
  gatewayP99: number;
  gatewayMax: number;
  addedP50: number;
  addedP99: number;
  /** The worst event-loop delay: the longest turn of prom-client's 10 ms timer, less those 10 ms. */
  loopDelayMaxMs: number;
  /** The same as recorded (an upper bound of the longest stall). */
  loopLagRawMaxMs: number;
  /** The worst per-second p99 of the loop delay (less the 10 ms). */
  loopDelayP99Ms: number;
  scrapes: LagScrape[];
}

export interface GatewayUnderConsole {
  idle: SideFigures;
  busy: SideFigures & { console: ConsoleLoadStats };
}

function figures(direct: number[], gateway: number[], errors: number, scrapes: LagScrape[]): SideFigures {
  const d = [...direct].sort((a, b) => a - b);
  const g = [...gateway].sort((a, b) => a - b);
  const directP50 = percentile(d, 50);
  const directP99 = percentile(d, 99);
  const gatewayP50 = percentile(g, 50);
  const gatewayP99 = percentile(g, 99);
  return {
    requests: g.length,
    errors,
    directP50,
    directP99,
    gatewayP50,
    gatewayP99,
    gatewayMax: g.at(-1) ?? Number.NaN,
    addedP50: gatewayP50 - directP50,
    addedP99: gatewayP99 - directP99,
    loopDelayMaxMs: Math.max(...scrapes.map((s) => s.maxMs)) - LAG_RESOLUTION_MS,
    loopLagRawMaxMs: Math.max(...scrapes.map((s) => s.maxMs)),
    loopDelayP99Ms: Math.max(...scrapes.map((s) => s.p99Ms)) - LAG_RESOLUTION_MS,
    scrapes,
  };
}

export async function measureGatewayUnderConsole(options: {
  appUrl: string;
  direct: ProbeTarget;
  gatewayModel: string;
  endMs: number;
  blocks: number;
  requestsPerBlock: number;
  log: (message: string) => void;
}): Promise<GatewayUnderConsole> {
  const probe = new GatewayProbe(options.direct, { origin: options.appUrl, model: options.gatewayModel });
  const metricsApi = new ApiClient(options.appUrl, 1);
  const consoleApi = new ApiClient(options.appUrl, 4);
  const sides = {
    idle: { direct: [] as number[], gateway: [] as number[], errors: 0, scrapes: [] as LagScrape[] },
    busy: { direct: [] as number[], gateway: [] as number[], errors: 0, scrapes: [] as LagScrape[] },
  };
  const consoleTotals: ConsoleLoadStats = { pages: 0, exports: 0, exportRows: 0, errors: 0 };
  try {
    await probe.run(200, 0); // warm-up: JIT and connections
    for (let block = 0; block < options.blocks * 2; block++) {
      const side = block % 2 === 0 ? "idle" : "busy";
      const scraper = new LoopLagScraper(metricsApi);
      let load: ConsoleLoad | null = null;
      if (side === "busy") {
        load = new ConsoleLoad(consoleApi, options.endMs);
        load.start();
        await new Promise((resolve) => setTimeout(resolve, 500)); // the export is streaming before timing starts
      }
      await scraper.start();
      const result = await probe.run(options.requestsPerBlock, 10);
      const scrapes = await scraper.stop();
      if (load) {
        const stats = await load.stop();
        for (const key of Object.keys(consoleTotals) as (keyof ConsoleLoadStats)[]) consoleTotals[key] += stats[key];
      }
      sides[side].direct.push(...result.direct);
      sides[side].gateway.push(...result.gateway);
      sides[side].errors += result.errors;
      sides[side].scrapes.push(...scrapes);
      options.log(`${side} block ${Math.floor(block / 2) + 1}/${options.blocks}: gateway p50 ${percentile([...result.gateway].sort((a, b) => a - b), 50).toFixed(2)} ms, loop delay max ${(Math.max(...scrapes.map((s) => s.maxMs)) - LAG_RESOLUTION_MS).toFixed(1)} ms, gateway max ${Math.max(...result.gateway).toFixed(1)} ms`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  } finally {
    await Promise.allSettled([probe.close(), metricsApi.close(), consoleApi.close()]);
  }
  return {
    idle: figures(sides.idle.direct, sides.idle.gateway, sides.idle.errors, sides.idle.scrapes),
    busy: { ...figures(sides.busy.direct, sides.busy.gateway, sides.busy.errors, sides.busy.scrapes), console: consoleTotals },
  };
}
