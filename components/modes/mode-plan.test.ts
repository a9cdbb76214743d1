import { expect, test } from "vitest";
import type { BackendStatus } from "@/components/hooks/api-types";
import { planModeSwitch } from "./mode-plan";

test("switching to deep stops the 7B and 14B and starts the 32B on both GPUs", () => {
  const backend = (id: string, gpus: number[]) => ({ id, gpus }) as BackendStatus;
  const plan = planModeSwitch(
    {
      mode: "standard",
      modes: [
        { name: "standard", description: null, backends: ["qwen-7b", "qwen-14b"], gpus: [0, 1] },
        { name: "deep", description: null, backends: ["qwen-32b"], gpus: [0, 1] },
      ],
      backends: [backend("qwen-7b", [0]), backend("qwen-14b", [1]), backend("qwen-32b", [1, 0])],
    },
    "deep",
  );
  expect(plan).toEqual({ leaving: ["qwen-7b", "qwen-14b"], entering: ["qwen-32b"], staying: [], gpus: [0, 1] });
});
