import type { IncomingMessage, ServerResponse } from "node:http";
import type { Engine } from "./engine";
import { modelNotFound } from "./errors";
import type { SimMetrics } from "./metrics";
import type { SimFaults, SimulatorOptions } from "./options";
import type { VllmProfile } from "./profiles";
import type { EngineSleep } from "./sleep";
import type { AbortRecord, SimTotals } from "./state";

/** What handlers see of the running simulator. */
export interface SimCore {
  readonly options: SimulatorOptions;
  /** The vLLM release whose shapes the simulator reproduces. */
  readonly profile: VllmProfile;
  readonly engine: Engine;
  /** vLLM's sleep mode: the scheduler gate and the memory the GPUs hold. */
  readonly sleep: EngineSleep;
  readonly metrics: SimMetrics;
  readonly totals: SimTotals;
  faults(): SimFaults;
  /** Takes one pending `error500` fault; true when this request must fail with a 500. */
  takeError500(): boolean;
  /** The engine crash of `crashAfterTokens`: the process (or, in-process, the server) dies at once. */
  crash(): void;
  recordAbort(record: AbortRecord): void;
  /** True while SIGTERM handling ends the open streams. */
  readonly shuttingDown: boolean;
}

export interface RequestContext {
  core: SimCore;
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  xRequestId: string | null;
  /** The parsed JSON body (POST routes), or undefined. */
  body: unknown;
}

/** vLLM serves a request without `model` with the first served name; any other name is a 404. */
export function resolveModel(core: SimCore, requested: string | null | undefined): string {
  if (requested === null || requested === undefined || requested === "") return core.options.servedModel;
  if (requested !== core.options.servedModel) {
    throw modelNotFound(requested);
  }
  return requested;
}

/** vLLM's request id: `<prefix><x-request-id>` when the header is set, else a random hex id. */
export function completionId(prefix: string, xRequestId: string | null): string {
  return `${prefix}${xRequestId ?? crypto.randomUUID().replace(/-/g, "")}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
