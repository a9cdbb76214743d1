import { existsSync, readdirSync, readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TimeSpan } from "./load";

/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) that the summaries read. */
export interface CpuProfile {
  /** CLOCK_MONOTONIC microseconds on Linux: the clock of `process.hrtime`. */
  startTime: number;
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface ProfileSummary {
  /** Milliseconds the process was busy (idle and start-up excluded). */
  busyMs: number;
  /** Self time by where the code comes from (bundled code traced back through its source map), % of busy time. */
  byArea: { area: string; percent: number }[];
  /** Functions with the most self time, % of busy time. */
  topSelf: { fn: string; percent: number }[];
  /** Functions with the most total (self + callees) time, % of busy time. */
  topTotal: { fn: string; percent: number }[];
}

/** A frame as a reader of the gateway knows it: original file and name, even for minified bundle code. */
interface ResolvedFrame {
  label: string;
  area: string;
}

/** Where code lives, from its (original) path: a package name, a project folder, or a V8 pseudo-frame. */
export function areaOf(source: string, functionName: string): string {
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(program)") return "V8/native (program)";
  if (source === "") return functionName.startsWith("(") ? functionName : "native";
  if (source.startsWith("node:")) return source.startsWith("node:internal/deps/undici") ? "undici (node's fetch)" : "node core";
  const pkg = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(source);
  if (pkg?.[1]) return pkg[1].replace(/\\/g, "/").replace(/%40/g, "@");
  const project = /(?:^|[\\/])(lib[\\/][^\\/]+|app|instrumentation\.ts)/.exec(source);
  if (project?.[1]) return project[1].replace(/\\/g, "/");
  if (/\.next[\\/]server/.test(source)) return "app bundle (unmapped)";
  return "other";
}

class FrameResolver {
  private readonly maps = new Map<string, SourceMap | null>();
  private readonly cache = new Map<string, ResolvedFrame>();

  resolve(frame: CallFrame): ResolvedFrame {
    const key = `${frame.url}:${frame.lineNumber}:${frame.columnNumber}:${frame.functionName}`;
    let resolved = this.cache.get(key);
    if (!resolved) {
      resolved = this.compute(frame);
      this.cache.set(key, resolved);
    }
    return resolved;
  }

  private compute(frame: CallFrame): ResolvedFrame {
    const name = frame.functionName || "(anonymous)";
    if (frame.url === "") return { label: name, area: areaOf("", frame.functionName) };
    const file = frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url;
    const map = /[\\/]\.next[\\/]/.test(file) ? this.mapFor(file) : null;
    const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry && "originalSource" in entry) {
      const source = shortPath(entry.originalSource);
      const originalName = "name" in entry && typeof entry.name === "string" && entry.name ? entry.name : name;
      return { label: `${originalName} ${source}:${entry.originalLine + 1}`, area: areaOf(source, frame.functionName) };
    }
    const source = shortPath(file);
    return { label: `${name} ${source}:${frame.lineNumber + 1}`, area: areaOf(source, frame.functionName) };
  }

  private mapFor(file: string): SourceMap | null {
    if (!this.maps.has(file)) {
      let map: SourceMap | null = null;
      try {
        if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")) as SourceMapPayload);
      } catch {
        map = null;
      }
      this.maps.set(file, map);
    }
    return this.maps.get(file) ?? null;
  }
}

/** Paths relative to the project or node_modules: shorter, and the same on every machine. */
function shortPath(source: string): string {
  return source
    .replace(/^file:\/\//, "")
    .replace(/^turbopack:\/\/\/\[project\]\//, "")
    .replace(/^(\.\.\/)+/, "")
    .replace(/^.*?[\\/](node_modules|\.next)[\\/]/, "$1/")
    .replace(/%40/g, "@");
}

export interface SummaryOptions {
  top?: number;
  /** Ignore samples before this CLOCK_MONOTONIC time (µs): the start-up (module loading, migrations) is not what is measured. */
  fromUs?: number;
}

export function readCpuProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
}

/** Self and total time per function, and self time per area. */
export function summarizeCpuProfile(profile: CpuProfile, options: SummaryOptions = {}): ProfileSummary {
  const top = options.top ?? 15;
  const fromUs = options.fromUs ?? 0;
  const resolver = new FrameResolver();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  let timeUs = profile.startTime;
  profile.samples.forEach((nodeId, i) => {
    const deltaUs = profile.timeDeltas[i] ?? 0;
    timeUs += deltaUs;
    const node = byId.get(nodeId);
    if (timeUs < fromUs || !node || node.callFrame.functionName === "(idle)") return;
    const delta = deltaUs / 1000;
    busy += delta;
    const frame = resolver.resolve(node.callFrame);
    self.set(frame.label, (self.get(frame.label) ?? 0) + delta);
    areas.set(frame.area, (areas.get(frame.area) ?? 0) + delta);
    const onStack = new Set<string>();
    for (let id: number | undefined = nodeId; id !== undefined; id = parent.get(id)) {
      const callFrame = byId.get(id)?.callFrame;
      if (callFrame && callFrame.functionName !== "(root)") onStack.add(resolver.resolve(callFrame).label);
    }
    for (const fn of onStack) total.set(fn, (total.get(fn) ?? 0) + delta);
  });

  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, value]) => ({ key, percent: busy > 0 ? Math.round((1000 * value) / busy) / 10 : 0 }));
  return {
    busyMs: Math.round(busy),
    byArea: ranked(areas).map(({ key, percent }) => ({ area: key, percent })),
    topSelf: ranked(self).map(({ key, percent }) => ({ fn: key, percent })),
    topTotal: ranked(total).map(({ key, percent }) => ({ fn: key, percent })),
  };
}

/** Self time per request that one target's windows cost the profiled process: by area and by function. */
export interface TargetCost {
  requests: number;
  busyMsPerRequest: number;
  areaMsPerRequest: Record<string, number>;
  functionMsPerRequest: Record<string, number>;
}

/**
 * Splits a profile by the time spans in which each target was under load (taken with the same monotonic clock),
 * so the no-op route and the gateway, measured in one process, can be compared request for request.
 */
export function costPerTarget(profile: CpuProfile, spansByTarget: Record<string, TimeSpan[]>): Record<string, TargetCost> {
  const resolver = new FrameResolver();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const tallies = Object.entries(spansByTarget).map(([target, spans]) => ({
    target,
    spans,
    requests: spans.reduce((sum, span) => sum + span.requests, 0),
    busy: 0,
    areas: new Map<string, number>(),
    functions: new Map<string, number>(),
  }));
  let timeUs = profile.startTime;
  profile.samples.forEach((nodeId, i) => {
    const deltaUs = profile.timeDeltas[i] ?? 0;
    timeUs += deltaUs;
    const node = byId.get(nodeId);
    if (!node || node.callFrame.functionName === "(idle)") return;
    const tally = tallies.find((t) => t.spans.some((span) => timeUs >= span.startUs && timeUs < span.endUs));
    if (!tally) return;
    const ms = deltaUs / 1000;
    const frame = resolver.resolve(node.callFrame);
    tally.busy += ms;
    tally.areas.set(frame.area, (tally.areas.get(frame.area) ?? 0) + ms);
    tally.functions.set(frame.label, (tally.functions.get(frame.label) ?? 0) + ms);
  });
  // The long tail (hundreds of functions under 0.1%) would only bloat results.json.
  const perRequest = (map: Map<string, number>, requests: number) =>
    Object.fromEntries(
      [...map.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 200)
        .map(([key, ms]) => [key, requests > 0 ? ms / requests : Number.NaN]),
    );
  return Object.fromEntries(
    tallies.map((t) => [
      t.target,
      {
        requests: t.requests,
        busyMsPerRequest: t.requests > 0 ? t.busy / t.requests : Number.NaN,
        areaMsPerRequest: perRequest(t.areas, t.requests),
        functionMsPerRequest: perRequest(t.functions, t.requests),
      },
    ]),
  );
}

/** What `subject` costs per request beyond `base` (e.g. the gateway beyond the no-op route), largest first. */
export function renderCostDiffMarkdown(title: string, costs: Record<string, TargetCost>, base: string, subject: string, top = 12): string {
  const a = costs[base];
  const b = costs[subject];
  if (!a || !b) return "";
  const diff = (left: Record<string, number>, right: Record<string, number>) =>
    [...new Set([...Object.keys(left), ...Object.keys(right)])]
      .map((key) => ({ key, base: left[key] ?? 0, subject: right[key] ?? 0 }))
      .map((row) => ({ ...row, extra: row.subject - row.base }))
      .sort((x, y) => y.extra - x.extra);
  const f = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(3) : "n/a");
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  return [
    `#### ${title}: app CPU per request, ${subject} vs ${base} (profiled, so slower than unprofiled; self time, so inlined callees count for their caller)`,
    `Total: ${base} ${f(a.busyMsPerRequest)} ms, ${subject} ${f(b.busyMsPerRequest)} ms, extra ${f(b.busyMsPerRequest - a.busyMsPerRequest)} ms per request.`,
    "",
    `| area | ${base} ms/req | ${subject} ms/req | extra ms/req |`,
    "| --- | --- | --- | --- |",
    ...diff(a.areaMsPerRequest, b.areaMsPerRequest)
      .slice(0, top)
      .map((row) => `| ${cell(row.key)} | ${f(row.base)} | ${f(row.subject)} | ${f(row.extra)} |`),
    "",
    `| function (self time) | ${base} ms/req | ${subject} ms/req | extra ms/req |`,
    "| --- | --- | --- | --- |",
    ...diff(a.functionMsPerRequest, b.functionMsPerRequest)
      .slice(0, top * 2)
      .map((row) => `| ${cell(row.key)} | ${f(row.base)} | ${f(row.subject)} | ${f(row.extra)} |`),
  ].join("\n");
}

/** The profiles a profiled run left in `dir`. */
export function profilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(".cpuprofile"))
      .map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

export function renderProfileMarkdown(title: string, summaries: ProfileSummary[]): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  return summaries
    .filter((s) => s.busyMs > 0)
    .map((s) =>
      [
        `#### ${title}: where the app's CPU went (${s.busyMs} ms busy once the load began)`,
        "By area (self time): " + s.byArea.map((a) => `${a.area} ${a.percent}%`).join(", "),
        "",
        "| top self time | % busy |",
        "| --- | --- |",
        ...s.topSelf.map((f) => `| ${cell(f.fn)} | ${f.percent} |`),
        "",
        "| top total time | % busy |",
        "| --- | --- |",
        ...s.topTotal.map((f) => `| ${cell(f.fn)} | ${f.percent} |`),
      ].join("\n"),
    )
    .join("\n\n");
}
