import { describe, expect, test } from "vitest";
import { CliArgsError, parseSimulatorArgs, toSimulatorArgs } from "./cli-args";
import { SimulatorOptions } from "./options";

describe("simulator CLI flags", () => {
  test("kebab-case flags, aliases, booleans and fault flags", () => {
    const { options, control } = parseSimulatorArgs([
      "--port", "8001",
      "--model", "qwen2.5-14b-instruct-awq",
      "--root=Qwen/Qwen2.5-14B-Instruct-AWQ",
      "--max-num-seqs", "2",
      "--zero-latency",
      "--no-enable-auto-tool-choice",
      "--crash-after-tokens", "5",
      "--error-500", "2",
      "--fail-at-load",
      "--exit-with-parent",
    ]);
    expect(options).toEqual({
      port: 8001,
      servedModel: "qwen2.5-14b-instruct-awq",
      root: "Qwen/Qwen2.5-14B-Instruct-AWQ",
      maxNumSeqs: 2,
      zeroLatency: true,
      enableAutoToolChoice: false,
      faults: { crashAfterTokens: 5, error500: 2, failAtLoad: true },
    });
    expect(control).toEqual({ help: false, exitWithParent: true });
    expect(parseSimulatorArgs([]).control.exitWithParent).toBe(false);
    // The flag's first name still works for command lines written with it.
    expect(parseSimulatorArgs(["--exit-on-stdin-close"]).control.exitWithParent).toBe(true);
    expect(parseSimulatorArgs(["--served-model-name", "m", "--error500", "1"]).options).toEqual({ servedModel: "m", faults: { error500: 1 } });
    expect(parseSimulatorArgs(["--help"]).control.help).toBe(true);
  });

  test("options survive the round trip through flags", () => {
    const input = {
      port: 9000,
      host: "0.0.0.0",
      servedModel: "bge",
      kind: "embedding" as const,
      loadMs: 1500,
      batchSlowdown: 0.05,
      zeroLatency: false,
      faults: { hangBeforeFirstToken: true, tokenDelayMs: 200, slowLoadMs: 100 },
    };
    const parsed = parseSimulatorArgs(toSimulatorArgs(input)).options;
    expect(SimulatorOptions.parse(parsed)).toEqual(SimulatorOptions.parse(input));
  });

  test("rejects unknown flags and bad values", () => {
    expect(() => parseSimulatorArgs(["--nope"])).toThrow(CliArgsError);
    expect(() => parseSimulatorArgs(["--port", "abc"])).toThrow(/expects a number/);
    expect(() => parseSimulatorArgs(["--port"])).toThrow(/needs a value/);
  });
});
