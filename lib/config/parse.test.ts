import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { ConfigError, parseLabConfig } from "./parse";
import { defaultModeName } from "./schema";

const root = path.resolve(__dirname, "../..");

function issuesOf(text: string) {
  try {
    parseLabConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error("expected the config to be rejected");
}

const minimal = `
runtime: none
backends:
  a: { url: http://127.0.0.1:9001, servedModel: model-a }
modes:
  only: { backends: [a] }
`;

describe("parseLabConfig", () => {
  test.each(["switchyard.example.yaml", "switchyard.simulated.yaml"])("the shipped %s is valid", (file) => {
    const config = parseLabConfig(fs.readFileSync(path.join(root, file), "utf8"), file);
    expect(Object.keys(config.modes)).toEqual(["standard", "deep"]);
    expect(config.modes.deep?.backends).toEqual(["qwen-32b"]);
    expect(config.backends["qwen-32b"]?.gpus).toEqual([0, 1]);
    expect(defaultModeName(config)).toBe("standard");
  });

  test("fills defaults: keys required, simulated runtime, limits", () => {
    const config = parseLabConfig(minimal);
    expect(config.auth).toBe("keys");
    expect(config.backends.a?.maxConcurrency).toBe(32);
    expect(config.backends.a?.container).toBeUndefined();
    expect(config.gateway.maxBodyBytes).toBe(8 * 1024 * 1024);
    expect(defaultModeName(config)).toBe("only");
  });

  test("a wrong type names its line and key", () => {
    const issues = issuesOf(`${minimal}\ngateway:\n  maxBodyBytes: lots\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 9, path: "gateway.maxBodyBytes" });
  });

  test("a mode naming an unknown backend is placed on that item's line", () => {
    const issues = issuesOf(minimal.replace("[a]", "[a, b]"));
    expect(issues[0]?.line).toBe(6);
    expect(issues[0]?.message).toContain('unknown backend "b"');
  });

  test("an unknown key is reported by name on its line", () => {
    const issues = issuesOf(minimal.replace("servedModel: model-a", "servedModel: model-a, gpu: 0"));
    expect(issues[0]).toMatchObject({ line: 4, path: "backends.a" });
    expect(issues[0]?.message).toContain('"gpu"');
  });

  test("a bad url says what is expected", () => {
    const issues = issuesOf(minimal.replace("http://127.0.0.1:9001", "localhost:9001"));
    expect(issues[0]?.path).toBe("backends.a.url");
    expect(issues[0]?.message).toContain("http(s) URL");
  });

  test("YAML syntax errors give the line", () => {
    const issues = issuesOf("backends:\n  a: [unclosed\nmodes: {}\n");
    expect(issues[0]?.line).toBeGreaterThan(0);
  });

  test("auto routes must point at routes with candidates", () => {
    const issues = issuesOf(`${minimal}routes:\n  fast: [a]\n  auto:\n    auto: { fast: fast, deep: missing }\n`);
    expect(issues[0]).toMatchObject({ path: "routes.auto.auto.deep", line: 10 });
    expect(issues[0]?.message).toContain('unknown route "missing"');
  });

  test("two default modes are refused", () => {
    const text = `${minimal.replace("{ backends: [a] }", "{ backends: [a], default: true }")}  other: { backends: [a], default: true }\n`;
    expect(issuesOf(text)[0]?.message).toContain("only one mode can be the default");
  });

  test("the error message lists every issue with its line", () => {
    expect(() => parseLabConfig(minimal.replace("[a]", "[zz]"), "lab.yaml")).toThrow(/lab\.yaml.*\n.*line 6 \(modes\.only\.backends\.0\)/);
  });
});

describe("no silent simulation: a config for real hardware must say how to reach it", () => {
  const realLab = (top: string, backend = "container: vllm-7b") => `
${top}
backends:
  a: { url: http://127.0.0.1:9001, servedModel: model-a, ${backend} }
modes:
  only: { backends: [a] }
`;

  test("a container without `runtime` is refused on the container's line", () => {
    const issues = issuesOf(realLab("gpuTelemetry: none"));
    expect(issues).toEqual([expect.objectContaining({ line: 4, path: "backends.a.container", message: expect.stringContaining("set `runtime: docker`") })]);
  });

  test.each([
    ["dcgmUrl: http://127.0.0.1:9400/metrics", "telemetry.dcgmUrl", "gpuTelemetry: dcgm"],
    ["nvidiaSmiPath: /usr/bin/nvidia-smi", "telemetry.nvidiaSmiPath", "gpuTelemetry: nvidia-smi"],
  ])("a telemetry source (%s) without `gpuTelemetry` is refused on its line", (setting, where, fix) => {
    const issues = issuesOf(realLab(`runtime: none\ntelemetry:\n  ${setting}`, "kind: chat"));
    expect(issues).toEqual([expect.objectContaining({ line: 4, path: where, message: expect.stringContaining(fix) })]);
  });

  test.each([
    ["runtime: docker", "runtime", 2],
    ["runtime: docker\ngpuTelemetry: simulated", "gpuTelemetry", 3],
  ])("`runtime: docker` with simulated GPUs is refused (%s)", (top, where, line) => {
    expect(issuesOf(realLab(top))).toEqual([expect.objectContaining({ line, path: where, message: expect.stringContaining("invented GPU memory") })]);
  });

  test("saying so is allowed: simulators on purpose, or real containers with real telemetry", () => {
    expect(parseLabConfig(realLab("runtime: simulated")).runtime).toBe("simulated");
    expect(parseLabConfig(realLab("runtime: docker\ngpuTelemetry: nvidia-smi")).gpuTelemetry).toBe("nvidia-smi");
    expect(parseLabConfig(realLab("runtime: docker\ngpuTelemetry: none")).runtime).toBe("docker");
  });
});
