import { expect, test } from "vitest";
import type { BackendStatus } from "@/components/hooks/api-types";
import { planModeSwitch } from "./mode-plan";

test("switching to deep stops the 7B and 14B and starts the 32B on both GPUs", () => {
  const backend = (id: string, gpus: number[]) => ({ id, gpus }) as BackendStatus;
  const plan = planModeSwitch(
    {
      mode: "standard",
      modes: [
        { name: "standard", description: null, backends: ["qwen-7b", "qwen-14b"], gpus: [0, 1], switchEstimate: null },
        { name: "deep", description: null, backends: ["qwen-32b"], gpus: [0, 1], switchEstimate: { expectedMs: 41_000, basis: "history", samples: 3 } },
      ],
      backends: [backend("qwen-7b", [0]), backend("qwen-14b", [1]), backend("qwen-32b", [1, 0])],
    },
    "deep",
  );
  expect(plan).toEqual({ leaving: ["qwen-7b", "qwen-14b"], sleeping: [], entering: ["qwen-32b"], staying: [], gpus: [0, 1], duration: "usually 41 s (3 switches)" });
});

test("engines that declare sleep are put to sleep, not stopped; before any recorded switch the time is the default's", () => {
  const backend = (id: string, gpus: number[], sleepLevel: 1 | null) => ({ id, gpus, sleepLevel }) as BackendStatus;
  const plan = planModeSwitch(
    {
      mode: "standard",
      modes: [
        { name: "standard", description: null, backends: ["qwen-7b", "qwen-14b"], gpus: [0, 1], switchEstimate: null },
        { name: "deep", description: null, backends: ["qwen-32b"], gpus: [0, 1], switchEstimate: { expectedMs: 25_000, basis: "default", samples: 0 } },
      ],
      backends: [backend("qwen-7b", [0], 1), backend("qwen-14b", [1], null), backend("qwen-32b", [0, 1], 1)],
    },
    "deep",
  );
  expect(plan).toMatchObject({ leaving: ["qwen-14b"], sleeping: ["qwen-7b"], duration: "about 25 s (nothing recorded yet)" });
});
