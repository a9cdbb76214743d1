/** Command-line options of `npm run bench:log`. */
export interface LogBenchOptions {
  rows: number;
  fresh: boolean;
  build: boolean;
  samples: number;
  starts: number;
  retention: boolean;
  /** Alternating idle/busy blocks of the gateway measure, and requests per block. */
  gatewayBlocks: number;
  gatewayRequests: number;
}

export const HELP = `npm run bench:log [-- options]
  --rows N          rows in the generated log (default 10000000; e.g. 1000000 for a trial run)
  --fresh           rebuild the database even if .tmp/bench-log holds one for these parameters
  --build           run \`next build\` first even if .next/BUILD_ID exists
  --samples N       samples per console measure (default 40)
  --starts N        app starts timed for the start-up figure (default 3)
  --skip-retention  do not time a retention pass (it deletes the oldest day, then restores it)
  --quick           fewer samples, one start, shorter gateway blocks (a smoke run)`;

export function parseOptions(argv: string[]): LogBenchOptions | "help" {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const options: LogBenchOptions = { rows: 10_000_000, fresh: false, build: false, samples: 40, starts: 3, retention: true, gatewayBlocks: 3, gatewayRequests: 1500 };
  const number = (flag: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs a whole number >= ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--rows") options.rows = number(arg, argv[++i], 100_000);
    else if (arg === "--samples") options.samples = number(arg, argv[++i], 5);
    else if (arg === "--starts") options.starts = number(arg, argv[++i], 1);
    else if (arg === "--fresh") options.fresh = true;
    else if (arg === "--build") options.build = true;
    else if (arg === "--skip-retention") options.retention = false;
    else if (arg === "--quick") Object.assign(options, { samples: 10, starts: 1, gatewayBlocks: 2, gatewayRequests: 150 });
    else throw new Error(`unknown option ${arg} (try --help)`);
  }
  return options;
}
