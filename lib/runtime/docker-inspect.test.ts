import { describe, expect, test } from "vitest";
import { parseEngineTime, toContainerInfo, type DockerInspect } from "./docker-inspect";

const ZERO_TIME = "0001-01-01T00:00:00Z";

function inspect(state: Partial<DockerInspect["State"]>, restartCount = 0): DockerInspect {
  return {
    RestartCount: restartCount,
    Config: { Tty: false },
    State: { Status: "created", ExitCode: 0, OOMKilled: false, Error: "", StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME, ...state },
  };
}

describe("toContainerInfo", () => {
  test("a created container that never ran has no exit code and no times", () => {
    expect(toContainerInfo("qwen-7b", "vllm-qwen-7b", inspect({}))).toEqual({
      backendId: "qwen-7b",
      name: "vllm-qwen-7b",
      state: "created",
      exitCode: null,
      oomKilled: false,
      restartCount: 0,
      startedAt: null,
      finishedAt: null,
      error: null,
    });
  });

  test("a running container has a start time and no exit code", () => {
    const info = toContainerInfo("b", "c", inspect({ Status: "running", StartedAt: "2026-11-27T13:26:17.454507479Z" }, 3));
    expect(info.state).toBe("running");
    expect(info.exitCode).toBeNull();
    expect(info.startedAt?.toISOString()).toBe("2026-11-27T13:26:17.454Z");
    expect(info.restartCount).toBe(3);
  });

  test("an exited container reports its exit code and OOM kill", () => {
    const info = toContainerInfo(
      "b",
      "c",
      inspect({
        Status: "exited",
        ExitCode: 137,
        OOMKilled: true,
        StartedAt: "2026-11-27T13:26:17Z",
        FinishedAt: "2026-11-27T13:30:00.5Z",
      }),
    );
    expect(info).toMatchObject({ state: "exited", exitCode: 137, oomKilled: true });
    expect(info.finishedAt?.toISOString()).toBe("2026-11-27T13:30:00.500Z");
  });

  test("the engine's error text is passed on", () => {
    const info = toContainerInfo("b", "c", inspect({ Status: "exited", ExitCode: 128, Error: "could not select device driver \"nvidia\"", FinishedAt: "2026-11-27T13:30:00Z" }));
    expect(info.error).toBe('could not select device driver "nvidia"');
    expect(info.exitCode).toBe(128);
  });

  test("a state this code does not know is reported, not hidden", () => {
    const info = toContainerInfo("b", "c", inspect({ Status: "hibernating" }));
    expect(info.state).toBe("dead");
    expect(info.error).toMatch(/unknown container state "hibernating"/);
  });

  test("libpod state names map to Docker's", () => {
    expect(toContainerInfo("b", "c", inspect({ Status: "configured" })).state).toBe("created");
    expect(toContainerInfo("b", "c", inspect({ Status: "stopped", FinishedAt: "2026-11-27T13:30:00Z" })).state).toBe("exited");
  });
});

describe("parseEngineTime", () => {
  test("Go's zero time and garbage mean never", () => {
    expect(parseEngineTime(ZERO_TIME)).toBeNull();
    expect(parseEngineTime("")).toBeNull();
    expect(parseEngineTime("not a date")).toBeNull();
  });
});
