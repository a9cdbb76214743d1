import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  NVIDIA_SMI_QUERY_FIELDS,
  buildNvidiaSmiArgs,
  normaliseNvidiaSmiColumn,
  parseNvidiaSmiCsv,
  parseNvidiaSmiNumber,
  parseNvidiaSmiRow,
  parseNvidiaSmiTimestamp,
} from "./nvidia-smi";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const CAPTURE = fixture("nvidia_gpu_exporter__linux-x86_64__nvidia-geforce-rtx-4080-super__595.71.05.capture.txt");

/** The body of one `# <phase> :: <title>` section of the capture file (between its banner and the next one). */
function captureSection(title: string): string {
  const lines = CAPTURE.split("\n");
  const start = lines.findIndex((line) => line.startsWith(`# ${title}`));
  if (start === -1) throw new Error(`no section ${title}`);
  let i = start;
  while (!lines[i]?.startsWith("####")) i++; // closing banner line of this section
  const body: string[] = [];
  for (i++; i < lines.length && !lines[i]?.startsWith("####"); i++) body.push(lines[i] ?? "");
  return body.join("\n");
}

/** First `Label : value` of an `nvidia-smi -q` section, optionally after a heading line. */
function qValue(section: string, label: string, after?: string): string {
  const lines = section.split("\n");
  const from = after ? lines.findIndex((line) => line.trim() === after) : 0;
  for (const line of lines.slice(Math.max(0, from))) {
    const match = new RegExp(`^\\s+${label}\\s+:\\s+(.*)$`).exec(line);
    if (match?.[1]) return match[1].trim();
  }
  throw new Error(`no ${label} in -q output`);
}

describe("nvidia-smi argv", () => {
  test("asks for the telemetry fields in loop mode, without header or units", () => {
    expect(buildNvidiaSmiArgs(1000)).toEqual([
      "--query-gpu=timestamp,index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,power.limit,clocks.sm,fan.speed",
      "--format=csv,noheader,nounits",
      "-lms",
      "1000",
    ]);
  });

  test("rounds the interval to a whole, positive number of milliseconds", () => {
    expect(buildNvidiaSmiArgs(249.6).at(-1)).toBe("250");
    expect(buildNvidiaSmiArgs(0).at(-1)).toBe("1");
  });
});

describe("cells", () => {
  test.each([
    ["26.20 W", 26.2],
    ["26.20", 26.2],
    ["434 MiB", 434],
    ["0 %", 0],
    ["  7 %  ", 7],
    ["210 MHz", 210],
    ["43", 43],
  ])("%j reads as %d", (cell, value) => {
    expect(parseNvidiaSmiNumber(cell)).toBe(value);
  });

  test.each([
    "[N/A]",
    "N/A",
    "[Not Supported]",
    "[Requested functionality has been deprecated]",
    "[Unknown Error]",
    "",
    "   ",
    "0x270210DE",
    "Enabled",
  ])("%j is not a number", (cell) => {
    expect(parseNvidiaSmiNumber(cell)).toBeNull();
  });

  test("header names lose their unit and aliases fold onto the fields we query", () => {
    expect(normaliseNvidiaSmiColumn("memory.used [MiB]")).toBe("memory.used");
    expect(normaliseNvidiaSmiColumn("clocks.current.sm [MHz]")).toBe("clocks.sm");
    expect(normaliseNvidiaSmiColumn(" index ")).toBe("index");
  });

  test("timestamps are the host's local time", () => {
    expect(parseNvidiaSmiTimestamp("2026/06/26 11:59:44.226")).toBe(new Date(2026, 5, 26, 11, 59, 44, 226).getTime());
    expect(parseNvidiaSmiTimestamp("yesterday")).toBeNull();
  });
});

describe("rows in the noheader,nounits stream", () => {
  const row = (cells: string[]) => cells.join(", ");
  const fullRow = [
    "2026/06/26 11:59:44.226",
    "1",
    "GPU-8d41b6f2-0e9c-47a3-b215-6e3f9a0c5d27",
    "NVIDIA GeForce RTX 3090",
    "93",
    "21406",
    "24576",
    "67",
    "286.41",
    "350.00",
    "1695",
    "72",
  ];

  test("maps every queried field", () => {
    expect(parseNvidiaSmiRow(row(fullRow), { at: 5 })).toEqual({
      index: 1,
      uuid: "GPU-8d41b6f2-0e9c-47a3-b215-6e3f9a0c5d27",
      name: "NVIDIA GeForce RTX 3090",
      at: 5,
      utilizationPct: 93,
      memoryUsedMiB: 21406,
      memoryTotalMiB: 24576,
      temperatureC: 67,
      powerDrawW: 286.41,
      powerLimitW: 350,
      smClockMHz: 1695,
      fanPct: 72,
    });
  });

  test("takes the row's own timestamp when no time is imposed", () => {
    expect(parseNvidiaSmiRow(row(fullRow))?.at).toBe(new Date(2026, 5, 26, 11, 59, 44, 226).getTime());
  });

  test("unsupported readings become null, not zero (a datacenter card without fan, a driver without power)", () => {
    const cells = [...fullRow];
    cells[8] = "[N/A]";
    cells[9] = "[Not Supported]";
    cells[11] = "[N/A]";
    cells[10] = "";
    cells[2] = "[N/A]";
    const sample = parseNvidiaSmiRow(row(cells), { at: 0 });
    expect(sample).toMatchObject({ powerDrawW: null, powerLimitW: null, smClockMHz: null, fanPct: null });
    expect(sample).not.toHaveProperty("uuid");
    expect(sample?.utilizationPct).toBe(93);
  });

  test("tolerates stray spaces and a CRLF line end", () => {
    const sample = parseNvidiaSmiRow(`${fullRow.map((cell) => `  ${cell}  `).join(",")}\r`, { at: 0 });
    expect(sample?.index).toBe(1);
    expect(sample?.fanPct).toBe(72);
  });

  test.each([
    "No devices were found",
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    NVIDIA_SMI_QUERY_FIELDS.join(", "),
    "2026/06/26 11:59:44.226, 0, GPU-x, NVIDIA GeForce RTX 3090, 93",
    "",
  ])("%j is not a data row", (line) => {
    expect(parseNvidiaSmiRow(line)).toBeNull();
  });
});

describe("real captures (--format=csv, with header and units)", () => {
  const idleAt = new Date(2026, 5, 26, 11, 59, 44, 226).getTime();
  const loadAt = new Date(2026, 5, 26, 11, 59, 58, 761).getTime();

  test("RTX 4080 SUPER idle", () => {
    expect(parseNvidiaSmiCsv(fixture("nvidia_gpu_exporter__rtx-4080-super__idle__query-gpu.csv"))).toEqual([
      {
        index: 0,
        uuid: "GPU-00000000-0000-0000-0000-000000000000",
        name: "NVIDIA GeForce RTX 4080 SUPER",
        at: idleAt,
        utilizationPct: 0,
        memoryUsedMiB: 596,
        memoryTotalMiB: 16376,
        temperatureC: 43,
        powerDrawW: 26.2,
        powerLimitW: 320,
        smClockMHz: 210,
        fanPct: 0,
      },
    ]);
  });

  test("RTX 4080 SUPER under load", () => {
    expect(parseNvidiaSmiCsv(fixture("nvidia_gpu_exporter__rtx-4080-super__load__query-gpu.csv"))).toEqual([
      {
        index: 0,
        uuid: "GPU-00000000-0000-0000-0000-000000000000",
        name: "NVIDIA GeForce RTX 4080 SUPER",
        at: loadAt,
        utilizationPct: 7,
        memoryUsedMiB: 1474,
        memoryTotalMiB: 16376,
        temperatureC: 46,
        powerDrawW: 84.24,
        powerLimitW: 320,
        smClockMHz: 2805,
        fanPct: 0,
      },
    ]);
  });

  test("the exporter's testdata: two GPUs, fields we did not ask for ignored, missing ones null", () => {
    const samples = parseNvidiaSmiCsv(fixture("nvidia_gpu_exporter__exporter-testdata-query.txt"), { at: 1 });
    expect(samples).toEqual([
      expect.objectContaining({
        index: 0,
        uuid: "GPU-df6e7a7c-7314-46f8-abc4-b88b36dcf3aa",
        name: "NVIDIA GeForce RTX 2080 SUPER",
        fanPct: 38,
        memoryUsedMiB: 575,
        memoryTotalMiB: null,
        utilizationPct: null,
        powerDrawW: null,
      }),
      expect.objectContaining({ index: 1, name: "Some Other GPU", fanPct: 50, memoryUsedMiB: 1234 }),
    ]);
  });

  test.each(["idle", "load"])("the full capture's %s query-gpu section parses like its extracted CSV", (phase) => {
    const section = captureSection(`${phase} :: query-gpu`);
    expect(parseNvidiaSmiCsv(section)).toEqual(
      parseNvidiaSmiCsv(fixture(`nvidia_gpu_exporter__rtx-4080-super__${phase}__query-gpu.csv`)),
    );
  });

  test.each(["idle", "load"])("the %s query-gpu values agree with nvidia-smi -q of the same capture", (phase) => {
    const [sample] = parseNvidiaSmiCsv(captureSection(`${phase} :: query-gpu`));
    const q = captureSection(`${phase} :: query (-q)`);
    expect(sample?.name).toBe(qValue(q, "Product Name"));
    expect(sample?.uuid).toBe(qValue(q, "GPU UUID"));
    expect(sample?.memoryTotalMiB).toBe(parseNvidiaSmiNumber(qValue(q, "Total", "FB Memory Usage")));
    expect(sample?.memoryUsedMiB).toBe(parseNvidiaSmiNumber(qValue(q, "Used", "FB Memory Usage")));
    expect(sample?.fanPct).toBe(parseNvidiaSmiNumber(qValue(q, "Fan Speed")));
    expect(sample?.powerLimitW).toBe(parseNvidiaSmiNumber(qValue(q, "Current Power Limit")));
    expect(sample?.smClockMHz).toBe(parseNvidiaSmiNumber(qValue(q, "SM", "Clocks")));
  });

  test("a header alone or an empty output gives no samples", () => {
    expect(parseNvidiaSmiCsv("")).toEqual([]);
    expect(parseNvidiaSmiCsv("index, memory.used [MiB]\n")).toEqual([]);
  });
});
