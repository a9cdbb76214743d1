/**
 * A reader for the Prometheus text exposition format (version 0.0.4), as served by vLLM's /metrics
 * (Python prometheus_client) and the DCGM exporter (Go client_golang).
 */

export interface PrometheusSample {
  /** Series name as exposed, suffix included (`vllm:time_to_first_token_seconds_bucket`). */
  name: string;
  labels: Record<string, string>;
  /** May be `Infinity`, `-Infinity` or `NaN`: the format allows them. */
  value: number;
  /** Milliseconds since the epoch, when the line carries one. */
  timestampMs?: number;
}

export interface PrometheusFamilyInfo {
  type?: string;
  help?: string;
}

export interface PrometheusScrape {
  samples: PrometheusSample[];
  /** `# TYPE` and `# HELP` lines, by family name. */
  families: Map<string, PrometheusFamilyInfo>;
  /** 1-based numbers of lines that could not be read; they are skipped, not fatal. */
  skippedLines: number[];
}

/** The samples of a scrape; malformed lines are skipped (one bad series must not blind the whole scrape). */
export function parsePrometheusText(text: string): PrometheusSample[] {
  return parsePrometheusScrape(text).samples;
}

export function parsePrometheusScrape(text: string): PrometheusScrape {
  const samples: PrometheusSample[] = [];
  const families = new Map<string, PrometheusFamilyInfo>();
  const skippedLines: number[] = [];
  const lines = text.split("\n");
  lines.forEach((rawLine, i) => {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === "") return;
    if (line.trimStart().startsWith("#")) {
      readComment(line.trimStart(), families);
      return;
    }
    const sample = readSampleLine(line);
    if (sample) samples.push(sample);
    else skippedLines.push(i + 1);
  });
  return { samples, families, skippedLines };
}

/** The samples named `name` whose labels include every pair of `match`. */
export function selectSamples(
  samples: readonly PrometheusSample[],
  name: string,
  match: Readonly<Record<string, string>> = {},
): PrometheusSample[] {
  const wanted = Object.entries(match);
  return samples.filter(
    (sample) => sample.name === name && wanted.every(([key, value]) => sample.labels[key] === value),
  );
}

/** Sum over every series of `name` (e.g. one per vLLM engine), or `null` when the scrape has none. */
export function sumSamples(
  samples: readonly PrometheusSample[],
  name: string,
  match: Readonly<Record<string, string>> = {},
): number | null {
  const selected = selectSamples(samples, name, match);
  if (selected.length === 0) return null;
  return selected.reduce((total, sample) => total + sample.value, 0);
}

/** Parses a sample value token: a float, `+Inf`, `-Inf`, `NaN` (case-insensitive, as Go's ParseFloat accepts). */
export function parsePrometheusValue(token: string): number | null {
  const lower = token.toLowerCase();
  if (lower === "+inf" || lower === "inf" || lower === "+infinity" || lower === "infinity") return Infinity;
  if (lower === "-inf" || lower === "-infinity") return -Infinity;
  if (lower === "nan") return NaN;
  if (!/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(token)) return null;
  return Number(token);
}

function readComment(line: string, families: Map<string, PrometheusFamilyInfo>): void {
  const match = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
  if (!match) return; // any other comment is free text
  const [, keyword, name = "", rest = ""] = match;
  const info = families.get(name) ?? {};
  if (keyword === "TYPE") info.type = rest.trim();
  else info.help = unescapeHelp(rest);
  families.set(name, info);
}

function unescapeHelp(text: string): string {
  return text.replace(/\\([\\n])/g, (_, char: string) => (char === "n" ? "\n" : "\\"));
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

/** A cursor over one line; every reader returns null on malformed input instead of throwing. */
class LineReader {
  pos = 0;
  constructor(readonly line: string) {}

  get done(): boolean {
    return this.pos >= this.line.length;
  }
  peek(): string {
    return this.line[this.pos] ?? "";
  }
  skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }
  readWhile(first: RegExp, rest: RegExp): string {
    const start = this.pos;
    if (!first.test(this.peek())) return "";
    this.pos++;
    while (!this.done && rest.test(this.peek())) this.pos++;
    return this.line.slice(start, this.pos);
  }
  /** A `"..."` string with the exposition format's escapes: `\\`, `\"` and `\n`. */
  readQuoted(): string | null {
    if (this.peek() !== '"') return null;
    this.pos++;
    let out = "";
    while (!this.done) {
      const char = this.line[this.pos++] ?? "";
      if (char === '"') return out;
      if (char === "\\") {
        const escaped = this.line[this.pos++];
        if (escaped === "n") out += "\n";
        else if (escaped === undefined) return null;
        else out += escaped; // `\\` and `\"`; unknown escapes keep the character, as Prometheus does
      } else {
        out += char;
      }
    }
    return null; // unterminated
  }
  readToken(): string {
    const start = this.pos;
    while (!this.done && this.peek() !== " " && this.peek() !== "\t") this.pos++;
    return this.line.slice(start, this.pos);
  }
}

function readSampleLine(line: string): PrometheusSample | null {
  const reader = new LineReader(line);
  reader.skipSpaces();
  let name = reader.readWhile(NAME_START, NAME_CHAR);
  const labels: Record<string, string> = {};

  if (reader.peek() === "{") {
    reader.pos++;
    for (;;) {
      reader.skipSpaces();
      if (reader.peek() === "}") {
        reader.pos++;
        break;
      }
      // Newer exposition allows any UTF-8 name quoted inside the braces: `{"my.metric", label="x"}`.
      let key: string | null;
      if (reader.peek() === '"') {
        key = reader.readQuoted();
        if (key === null) return null;
        reader.skipSpaces();
        if (reader.peek() !== "=") {
          if (name !== "") return null;
          name = key;
          key = null;
        }
      } else {
        key = reader.readWhile(LABEL_START, LABEL_CHAR);
        if (key === "") return null;
        reader.skipSpaces();
      }
      if (key !== null) {
        if (reader.peek() !== "=") return null;
        reader.pos++;
        reader.skipSpaces();
        const value = reader.readQuoted();
        if (value === null) return null;
        labels[key] = value;
        reader.skipSpaces();
      }
      if (reader.peek() === ",") {
        reader.pos++;
        continue;
      }
      if (reader.peek() === "}") {
        reader.pos++;
        break;
      }
      return null;
    }
  }
  if (name === "") return null;

  if (reader.peek() !== " " && reader.peek() !== "\t") return null;
  reader.skipSpaces();
  const value = parsePrometheusValue(reader.readToken());
  if (value === null) return null;
  reader.skipSpaces();

  const sample: PrometheusSample = { name, labels, value };
  if (!reader.done) {
    const timestamp = reader.readToken();
    if (!/^-?\d+$/.test(timestamp)) return null;
    sample.timestampMs = Number(timestamp);
    reader.skipSpaces();
    if (!reader.done) return null;
  }
  return sample;
}
