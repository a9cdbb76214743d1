import { expect, test } from "vitest";
import type { UsageReportJson } from "@/components/hooks/api-types";
import { keyUsageById } from "./key-usage";

type Total = UsageReportJson["totals"][number];
const total = (group: string | null, requests: number, promptTokens: number, completionTokens: number, status4xx = 0, status5xx = 0, failedStreams = 0) =>
  ({ group, requests, promptTokens, completionTokens, status4xx, status5xx, failedStreams }) as Total;

test("each key's requests, tokens and errors (4xx, 5xx and streams cut after their 200) of the last day beside its week; requests without a key are not a key's", () => {
  const usage = keyUsageById(
    { totals: [total("k1", 4, 10, 20, 1, 1, 1), total("", 9, 1, 1)] },
    { totals: [total("k1", 10, 100, 200), total("k2", 4, 5, 6), total("", 50, 1, 1)] },
  );
  expect(Object.fromEntries(usage)).toEqual({
    k1: { requests24h: 4, tokens24h: 30, errors24h: 3, requests7d: 10, tokens7d: 300 },
    k2: { requests24h: 0, tokens24h: 0, errors24h: 0, requests7d: 4, tokens7d: 11 },
  });
});

test("nothing loaded yet: no usage", () => {
  expect(keyUsageById(undefined, undefined).size).toBe(0);
});
