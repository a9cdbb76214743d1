import { describe, expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { labYaml } from "@/lib/lab/test-support";
import { allModelNames, candidatesInMode, findRoute, routingTable, servableModels, servingBackend } from "./resolve";

const config = parseLabConfig(labYaml);

describe("route resolution per mode", () => {
  test.each([
    ["fast", "standard", "qwen-7b"],
    ["fast", "deep", "qwen-32b"],
    ["reasoning", "standard", "qwen-14b"],
    ["reasoning", "deep", "qwen-32b"],
    ["qwen2.5-7b-instruct", "standard", "qwen-7b"],
    ["qwen2.5-7b-instruct", "deep", null],
    ["qwen2.5-32b-instruct-awq", "standard", null],
    ["auto", "standard", "qwen-7b"],
    ["auto", "deep", "qwen-32b"],
    ["gpt-4", "standard", null],
  ])("%s in %s -> %s", (model, mode, backend) => {
    expect(servingBackend(config, mode, model)).toBe(backend);
  });

  test("a route name wins over a served model name, and served names are routes of their own", () => {
    expect(findRoute(config, "fast")).toEqual({ kind: "candidates", route: "fast", candidates: ["qwen-7b", "qwen-32b"] });
    expect(findRoute(config, "qwen2.5-14b-instruct-awq")).toEqual({ kind: "candidates", route: "qwen2.5-14b-instruct-awq", candidates: ["qwen-14b"] });
    expect(findRoute(config, "auto")?.kind).toBe("auto");
    expect(findRoute(config, "nope")).toBeNull();
  });

  test("names that are Object.prototype members resolve to nothing", () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) expect(findRoute(config, name)).toBeNull();
  });

  test("candidates keep the route's order, filtered to the mode", () => {
    expect(candidatesInMode(config, "standard", ["qwen-32b", "qwen-14b", "qwen-7b"])).toEqual(["qwen-14b", "qwen-7b"]);
  });

  test("the routing table lists every name x every mode", () => {
    const table = routingTable(config);
    expect(table.map((row) => row.model)).toEqual(allModelNames(config));
    expect(table.find((row) => row.model === "auto")).toMatchObject({ kind: "auto", candidates: ["fast", "reasoning"], byMode: { standard: "qwen-7b", deep: "qwen-32b" } });
  });

  test("the models a mode can serve are what /v1/models lists", () => {
    expect(servableModels(config, "deep").map((m) => m.name)).toEqual(["fast", "reasoning", "auto", "qwen2.5-32b-instruct-awq"]);
  });
});
