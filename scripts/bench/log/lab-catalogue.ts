import { Prng, Weighted } from "./prng";

/**
 * Who uses the benchmark's lab and how: the simulated lab's three backends and routes, the models clients ask for,
 * twenty API keys (a few do most of the traffic, each from one to three machines, with its own models, stream share
 * and user agent; one captures bodies) and thirty client addresses. Built from its own seed, so it never depends
 * on the row count.
 */

export type BackendId = "qwen-7b" | "qwen-14b" | "qwen-32b";
export const BACKENDS: readonly BackendId[] = ["qwen-7b", "qwen-14b", "qwen-32b"];

/** Per backend: TTFT base (ms), decode rate (tokens/s), GPUs (for energy). */
export const BACKEND_PROFILE: Record<BackendId, { ttftMs: number; tokensPerSecond: number; gpus: number }> = {
  "qwen-7b": { ttftMs: 45, tokensPerSecond: 60, gpus: 1 },
  "qwen-14b": { ttftMs: 90, tokensPerSecond: 35, gpus: 1 },
  "qwen-32b": { ttftMs: 170, tokensPerSecond: 22, gpus: 2 },
};

/** What a client may name in "model": the routes, the served models, and a model the lab does not have. */
export type RequestedModel = "fast" | "reasoning" | "auto" | "qwen2.5-7b-instruct" | "qwen2.5-14b-instruct-awq" | "qwen2.5-32b-instruct-awq" | "gpt-4o-mini";
const BASE_MODEL_MIX: readonly (readonly [RequestedModel, number])[] = [
  ["fast", 30],
  ["auto", 25],
  ["reasoning", 15],
  ["qwen2.5-7b-instruct", 15],
  ["qwen2.5-14b-instruct-awq", 8],
  ["qwen2.5-32b-instruct-awq", 1],
  ["gpt-4o-mini", 1],
];

const KEY_NAMES = [
  "notebook-alice", "rag-service", "ci-evals", "support-bot", "ide-plugin", "batch-summarizer", "code-review", "docs-search",
  "translation", "agent-sandbox", "grading", "intern-project", "data-labeling", "slack-bot", "notebook-bob", "research-kim",
  "research-omar", "benchmark-harness", "demo-kiosk", "monitoring-probe",
] as const;
/** The key that has prompt capture on: about 3 % of the traffic gets bodies. */
const CAPTURING_KEY = "agent-sandbox";

const USER_AGENTS = ["OpenAI/Python 1.54.3", "OpenAI/JS 4.77.0", "curl/8.5.0", "python-requests/2.32.3", "node", "langchain/0.3.12", "Go-http-client/1.1", "vscode-continue/0.9.2"];

export interface ApiKeyProfile {
  id: string;
  name: string;
  addresses: string[];
  models: Weighted<RequestedModel>;
  streamShare: number;
  userAgent: string;
  /** Share of its requests that carry an x-request-id. */
  requestIdShare: number;
  promptMedian: number;
  captures: boolean;
}

export interface LabCatalogue {
  keys: Weighted<ApiKeyProfile | null>;
  keyList: ApiKeyProfile[];
  addresses: string[];
  /** Addresses without a key (refused with 401). */
  anonymousAddresses: string[];
  /** Per hour of the 30 days: true when the lab ran its "deep" mode (32B only). */
  deepHours: boolean[];
  /** About 64 KiB of words to cut prompts and answers from. */
  text: string;
}

const WORDS = "the lab gpu model token prompt answer cache route batch stream latency queue energy backend request summary context please explain why how code test review data table chart deploy".split(" ");

export function buildCatalogue(seed: number, hours: number): LabCatalogue {
  const rng = new Prng(seed ^ 0x5eed);
  const addresses = Array.from({ length: 30 }, (_, i) => `10.20.${1 + Math.floor(i / 10)}.${11 + ((i * 7) % 200)}`);
  const keyed = addresses.slice(0, 26);
  const keyList: ApiKeyProfile[] = KEY_NAMES.map((name, i) => {
    // A key's favourite is a route or the 7B: clients that name a model of another mode learn quickly.
    const favourite = BASE_MODEL_MIX[rng.int(4)]![0];
    const models = new Weighted(BASE_MODEL_MIX.map(([model, weight]) => [model, model === favourite ? weight * 4 : weight] as const));
    const count = i % 3 === 0 ? 3 : i % 4 === 1 ? 2 : 1;
    return {
      id: `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-a${rng.hex(3)}-${rng.hex(12)}`,
      name,
      addresses: Array.from({ length: count }, (_, k) => keyed[(i + k * 9) % keyed.length]!),
      models,
      streamShare: 0.2 + 0.7 * rng.next(),
      userAgent: USER_AGENTS[rng.int(USER_AGENTS.length)]!,
      requestIdShare: rng.chance(0.5) ? 0.9 : 0,
      promptMedian: 200 + rng.int(1200),
      captures: name === CAPTURING_KEY,
    };
  });
  // Zipf-like: a few keys carry most of the traffic; 0.5 % of requests come without a key.
  const keys = new Weighted<ApiKeyProfile | null>([...keyList.map((key, i) => [key, 1 / Math.pow(i + 1, 0.9)] as const), [null, 0.02]]);
  const deepHours: boolean[] = [];
  let deep = false;
  for (let h = 0; h < hours; h++) {
    // Deep mode in runs of a few hours, about 8 % of the time.
    if (deep ? rng.chance(0.3) : rng.chance(0.025)) deep = !deep;
    deepHours.push(deep);
  }
  let text = "";
  while (text.length < 65_536) text += `${WORDS[rng.int(WORDS.length)]} `;
  return { keys, keyList, addresses, anonymousAddresses: addresses.slice(26), deepHours, text };
}

export { BASE_MODEL_MIX };
