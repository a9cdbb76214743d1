import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { labConfigSchema, type LabConfig } from "./schema";
import { BrandedError } from "@/lib/errors/branded-error";

export interface ConfigIssue {
  /** 1-based line in the file, when the problem can be placed. */
  line?: number;
  column?: number;
  /** Dotted path of the offending key, e.g. `backends.qwen-7b.url`. */
  path: string;
  message: string;
}

/** A config file that cannot be used; `issues` say where and why. */
export class ConfigError extends BrandedError {
  static override readonly brand = "switchyard.ConfigError";
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`${source} is not a valid lab config:\n${issues.map((issue) => `  ${formatIssue(issue)}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line ? `line ${issue.line}` : "file";
  return issue.path ? `${where} (${issue.path}): ${issue.message}` : `${where}: ${issue.message}`;
}

/** Parses and validates the YAML text of a lab config; throws ConfigError naming the line and the reason. */
export function parseLabConfig(text: string, source = "switchyard.yaml"): LabConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((error) => {
        const pos = lineCounter.linePos(error.pos[0]);
        return { line: pos.line, column: pos.col, path: "", message: error.message.split("\n")[0] ?? error.message };
      }),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = labConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(source, result.error.issues.map((issue) => placeIssue(issue, doc, lineCounter)));
  }
  const silent = silentSimulationIssues(raw as RawLabConfig, result.data);
  if (silent.length > 0) throw new ConfigError(source, silent.map((issue) => placeAt(issue.path, issue.message, doc, lineCounter)));
  // Names come from clients (`model`) and URLs (`/api/modes/{name}`): a lookup of "constructor" or "__proto__" must
  // find nothing, not an Object.prototype member.
  const config = result.data;
  return { ...config, backends: withoutPrototype(config.backends), modes: withoutPrototype(config.modes), routes: withoutPrototype(config.routes) };
}

interface RawLabConfig {
  runtime?: unknown;
  gpuTelemetry?: unknown;
  telemetry?: { dcgmUrl?: unknown; nvidiaSmiPath?: unknown };
  backends?: Record<string, { container?: unknown }>;
}

/**
 * `runtime` and `gpuTelemetry` default to the simulated lab, so that the bundled demo runs as it is. A config that
 * describes real hardware (containers, a telemetry source) must say how to reach it: left to the defaults it would
 * start simulators on the vLLM ports and show invented GPUs, and a mode switch would wait for invented memory.
 */
function silentSimulationIssues(raw: RawLabConfig, config: LabConfig): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (raw.runtime === undefined) {
    const withContainer = Object.entries(raw.backends ?? {}).find(([, backend]) => backend?.container !== undefined);
    if (withContainer) {
      issues.push({
        path: ["backends", withContainer[0], "container"],
        message: "a backend names a container but `runtime` is not set, so the simulated lab would run in its place: set `runtime: docker` (or `simulated` to run simulators on purpose)",
      });
    }
  }
  if (raw.gpuTelemetry === undefined) {
    const source = raw.telemetry?.dcgmUrl !== undefined ? "dcgmUrl" : raw.telemetry?.nvidiaSmiPath !== undefined ? "nvidiaSmiPath" : null;
    if (source) {
      issues.push({
        path: ["telemetry", source],
        message: `\`telemetry.${source}\` is set but \`gpuTelemetry\` is not, so the GPUs shown would be simulated: set \`gpuTelemetry: ${source === "dcgmUrl" ? "dcgm" : "nvidia-smi"}\``,
      });
    }
  }
  if (config.runtime === "docker" && config.gpuTelemetry === "simulated") {
    issues.push({
      path: [raw.gpuTelemetry === undefined ? "runtime" : "gpuTelemetry"],
      message: "`runtime: docker` with simulated GPU telemetry would wait for invented GPU memory to be released during a mode switch: set `gpuTelemetry: nvidia-smi`, `dcgm` or `none`",
    });
  }
  return issues;
}

function withoutPrototype<T>(record: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, record);
}

/** Places an issue on the line of the deepest key or item that exists along its path. */
function placeIssue(issue: z.core.$ZodIssue, doc: Document, lineCounter: LineCounter): ConfigIssue {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== "symbol");
  const unknownKeys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const message =
    unknownKeys.length > 0 ? `unknown key${unknownKeys.length > 1 ? "s" : ""} ${unknownKeys.map((k) => `"${k}"`).join(", ")}` : issue.message;
  const issueAt = placeAt(unknownKeys[0] === undefined ? path : [...path, unknownKeys[0]], message, doc, lineCounter);
  return { ...issueAt, path: path.join(".") };
}

function placeAt(path: (string | number)[], message: string, doc: Document, lineCounter: LineCounter): ConfigIssue {
  const offset = offsetOf(doc, path);
  const pos = offset === undefined ? undefined : lineCounter.linePos(offset);
  return { line: pos?.line, column: pos?.col, path: path.join("."), message };
}

function offsetOf(doc: Document, path: (string | number)[]): number | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
    const last = path[depth - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
      if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
    } else if (isSeq(parent) && typeof last === "number") {
      const item = parent.items[last];
      if (isNode(item) && item.range) return item.range[0];
    }
  }
  return isNode(doc.contents) && doc.contents.range ? doc.contents.range[0] : undefined;
}
