import { expect, test } from "vitest";
import { leastFreeMiB } from "./simulated-gpu-free";

const CARD = { totalMiB: 24_576, idleMiB: 1 };

test("an engine sees what the others hold on its GPUs, not its own memory, and the fuller GPU counts", () => {
  const holders = [
    { id: "qwen-32b", gpus: [0, 1], memoryMiB: 2_450 },
    { id: "qwen-7b", gpus: [0], memoryMiB: 480 },
    { id: "qwen-14b", gpus: [1], memoryMiB: 6_480 },
  ];
  // GPU 0: 2,450 + 480 held; GPU 1: 2,450 + 6,480: the least free is GPU 1's.
  expect(leastFreeMiB([0, 1], holders, "qwen-32b", CARD)).toBe(24_576 - 1 - 6_480);
  expect(leastFreeMiB([0], holders, "qwen-7b", CARD)).toBe(24_576 - 1 - 2_450);
  expect(leastFreeMiB([1], holders, "qwen-7b", CARD)).toBe(24_576 - 1 - 2_450 - 6_480);
});

test("an empty card has all but its idle MiB free, and never less than nothing", () => {
  expect(leastFreeMiB([0], [], "qwen-7b", CARD)).toBe(24_575);
  expect(leastFreeMiB([0], [{ id: "a", gpus: [0], memoryMiB: 30_000 }], "b", CARD)).toBe(0);
});
