/**
 * A stand-in for `nvidia-smi --query-gpu=<fields> --format=csv[,noheader][,nounits] [-lms <ms> | -l <s>]`
 * on a machine without GPUs: two RTX 3090s (24576 MiB, 350 W) whose load drifts over time.
 * Prints one row per GPU every tick until killed; without a loop flag it prints once and exits, like the real tool.
 *
 *   node --import tsx scripts/fake-nvidia-smi.ts --query-gpu=index,utilization.gpu --format=csv,noheader -lms 500
 *
 * Deliberately independent of lib/telemetry: a stand-in that shared the parser's code could hide the parser's bugs.
 */

interface FakeGpu {
  index: number;
  uuid: string;
  busId: string;
  phase: number;
}

const GPUS: FakeGpu[] = [
  { index: 0, uuid: "GPU-3f2a9c1e-5b7d-4e08-9a61-0c4d2b8e7f10", busId: "00000000:01:00.0", phase: 0 },
  { index: 1, uuid: "GPU-8d41b6f2-0e9c-47a3-b215-6e3f9a0c5d27", busId: "00000000:02:00.0", phase: Math.PI / 2 },
];
const NAME = "NVIDIA GeForce RTX 3090";
const MEMORY_TOTAL_MIB = 24576;
const POWER_LIMIT_W = 350;

interface Field {
  unit?: string;
  value(gpu: FakeGpu, load: number, now: Date): string;
}

// Field values follow one "load" figure per GPU so that the numbers are plausible together.
const FIELDS: Record<string, Field> = {
  timestamp: { value: (_gpu, _load, now) => formatTimestamp(now) },
  driver_version: { value: () => "550.127.05" },
  count: { value: () => String(GPUS.length) },
  index: { value: (gpu) => String(gpu.index) },
  uuid: { value: (gpu) => gpu.uuid },
  name: { value: () => NAME },
  "pci.bus_id": { value: (gpu) => gpu.busId },
  "utilization.gpu": { unit: "%", value: (_gpu, load) => String(Math.round(load * 100)) },
  "utilization.memory": { unit: "%", value: (_gpu, load) => String(Math.round(load * 60)) },
  "memory.total": { unit: "MiB", value: () => String(MEMORY_TOTAL_MIB) },
  "memory.used": { unit: "MiB", value: (_gpu, load) => String(Math.round(20_900 + load * 400)) },
  "memory.free": { unit: "MiB", value: (_gpu, load) => String(MEMORY_TOTAL_MIB - Math.round(20_900 + load * 400)) },
  "temperature.gpu": { value: (_gpu, load) => String(Math.round(38 + load * 35)) },
  "power.draw": { unit: "W", value: (_gpu, load) => (28 + load * (POWER_LIMIT_W - 40)).toFixed(2) },
  "power.limit": { unit: "W", value: () => POWER_LIMIT_W.toFixed(2) },
  "enforced.power.limit": { unit: "W", value: () => POWER_LIMIT_W.toFixed(2) },
  "clocks.sm": { unit: "MHz", value: (_gpu, load) => String(Math.round(210 + load * 1485)) },
  "clocks.current.sm": { unit: "MHz", value: (_gpu, load) => String(Math.round(210 + load * 1485)) },
  "clocks.mem": { unit: "MHz", value: (_gpu, load) => (load > 0.05 ? "9751" : "405") },
  "fan.speed": { unit: "%", value: (_gpu, load) => String(Math.round(30 + load * 45)) },
  pstate: { value: (_gpu, load) => (load > 0.05 ? "P2" : "P8") },
};

// nvidia-smi's header spells some aliases by their long name.
const HEADER_NAMES: Record<string, string> = { "clocks.sm": "clocks.current.sm", "clocks.mem": "clocks.current.memory" };

interface Options {
  fields: string[];
  header: boolean;
  units: boolean;
  loopMs: number | null;
}

function parseArgs(argv: string[]): Options {
  let fields: string[] | null = null;
  let format = "csv";
  let loopMs: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg];
    const value = () => inline ?? argv[++i] ?? "";
    if (flag === "--query-gpu") fields = value().split(",").map((field) => field.trim());
    else if (flag === "--format") format = value();
    else if (flag === "-lms" || flag === "--loop-ms") loopMs = Number(value());
    else if (flag === "-l" || flag === "--loop") loopMs = Number(value()) * 1000;
    else fail(`Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.`);
  }
  if (!fields || fields.length === 0 || fields[0] === "") fail(`Invalid combination of input arguments.`);
  const unknown = fields.find((field) => !(field in FIELDS));
  if (unknown !== undefined) fail(`Field "${unknown}" is not a valid field to query.`);
  const formatFlags = format.split(",");
  if (formatFlags[0] !== "csv") fail(`"${format}" is not a valid format.`);
  if (loopMs !== null && !(loopMs > 0)) fail(`Invalid loop interval.`);
  return { fields, header: !formatFlags.includes("noheader"), units: !formatFlags.includes("nounits"), loopMs };
}

function fail(message: string): never {
  // The real tool reports its usage errors on stdout.
  process.stdout.write(`${message}\n`);
  process.exit(2);
}

function formatTimestamp(now: Date): string {
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  return (
    `${now.getFullYear()}/${pad(now.getMonth() + 1)}/${pad(now.getDate())} ` +
    `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`
  );
}

function headerLine(options: Options): string {
  return options.fields
    .map((field) => {
      const unit = FIELDS[field]?.unit;
      const name = HEADER_NAMES[field] ?? field;
      return options.units && unit ? `${name} [${unit}]` : name;
    })
    .join(", ");
}

function rows(options: Options, now: Date): string {
  const seconds = now.getTime() / 1000;
  return GPUS.map((gpu) => {
    const load = Math.max(0, Math.min(1, 0.5 + 0.45 * Math.sin(seconds / 7 + gpu.phase)));
    return options.fields
      .map((field) => {
        const spec = FIELDS[field];
        if (!spec) return "[N/A]";
        const value = spec.value(gpu, load, now);
        return options.units && spec.unit ? `${value} ${spec.unit}` : value;
      })
      .join(", ");
  })
    .map((row) => `${row}\n`)
    .join("");
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  // The reader going away is how a loop normally ends.
  process.stdout.on("error", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
  process.on("SIGINT", () => process.exit(0));

  if (options.header) process.stdout.write(`${headerLine(options)}\n`);
  const tick = () => process.stdout.write(rows(options, new Date()));
  tick();
  if (options.loopMs !== null) setInterval(tick, options.loopMs);
}

main();
