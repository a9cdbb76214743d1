/**
 * What changed in vLLM's OpenAI responses from one release to the next, one row per capture in
 * `fixtures/vllm/` (SOURCES.md there says which). A profile decides field names and shapes; the handlers
 * only ask it. The default is the newest, which is what the lab runs.
 */

export const PROFILE_NAMES = ["0.9", "0.11", "0.13", "0.16", "0.20", "0.21"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** Friendlier names accepted by `--vllm-version`. */
export const PROFILE_ALIASES: Readonly<Record<string, ProfileName>> = { "2025": "0.11", "2026": "0.21", latest: "0.21" };

export const DEFAULT_PROFILE: ProfileName = "0.21";

export type ReasoningField = "reasoning_content" | "reasoning";

export interface VllmProfile {
  name: ProfileName;
  /** What `GET /version` answers. */
  version: string;
  /** Before v0.10.1 errors were a flat `{"object":"error",...}`. */
  flatErrors: boolean;
  /** 2026's VLLMValidationError names the offending parameter in `error.param`. */
  errorParam: boolean;
  /** The message/delta field(s) carrying reasoning text, in the order vLLM writes them. */
  reasoningFields: readonly ReasoningField[];
  /** v0.10+: `refusal`, `annotations`, `audio`, `function_call` on messages; `service_tier`, `system_fingerprint`. */
  openAiExtras: boolean;
  /** v0.21 leaves `tool_calls` out of a message that has none (earlier: `[]`). */
  omitEmptyToolCalls: boolean;
  /** v0.10.2+: `token_ids` on choices (and stream chunks), `prompt_token_ids` on the body. */
  tokenIds: boolean;
  /** 2026-05+: `usage.completion_tokens_details`. */
  completionTokensDetails: boolean;
  /** v0.21: `system_fingerprint` is `vllm-<version>-<hash>` instead of null. */
  systemFingerprint: boolean;
  /** v0.21: `prompt_routed_experts`, `routed_experts` and `prompt_text` (null unless asked for). */
  routedExperts: boolean;
}

const BASE: Omit<VllmProfile, "name" | "version"> = {
  flatErrors: false,
  errorParam: false,
  reasoningFields: ["reasoning_content"],
  openAiExtras: true,
  omitEmptyToolCalls: false,
  tokenIds: true,
  completionTokensDetails: false,
  systemFingerprint: false,
  routedExperts: false,
};

export const PROFILES: Readonly<Record<ProfileName, VllmProfile>> = {
  // Zerohertz captures (v0.9.2): flat errors, a bare message, no token ids.
  "0.9": { ...BASE, name: "0.9", version: "0.9.2", flatErrors: true, openAiExtras: false, tokenIds: false },
  // vllm-ascend 2025-10 capture.
  "0.11": { ...BASE, name: "0.11", version: "0.11.0" },
  // vllm-ascend 2025-12 capture: `reasoning` added beside `reasoning_content`.
  "0.13": { ...BASE, name: "0.13", version: "0.13.0", reasoningFields: ["reasoning", "reasoning_content"] },
  // vllm-ascend 2026-02 capture: `reasoning` only.
  "0.16": { ...BASE, name: "0.16", version: "0.16.0", errorParam: true, reasoningFields: ["reasoning"] },
  // vllm-ascend 2026-05 capture: `completion_tokens_details`.
  "0.20": {
    ...BASE,
    name: "0.20",
    version: "0.20.0",
    errorParam: true,
    reasoningFields: ["reasoning"],
    completionTokensDetails: true,
  },
  // vllm-ascend v0.21.0 test report: fingerprint, routed experts, prompt_text, no empty tool_calls.
  "0.21": {
    ...BASE,
    name: "0.21",
    version: "0.21.0",
    errorParam: true,
    reasoningFields: ["reasoning"],
    completionTokensDetails: true,
    omitEmptyToolCalls: true,
    systemFingerprint: true,
    routedExperts: true,
  },
};

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/** `--vllm-version` wins; else the profile of an explicit `--version` (the newest not after it); else the default. */
export function resolveProfile(vllmVersion: string | undefined, version: string | undefined): VllmProfile {
  if (vllmVersion !== undefined) {
    const name = PROFILE_ALIASES[vllmVersion] ?? vllmVersion;
    if (!isProfileName(name)) throw new Error(`unknown vLLM profile "${vllmVersion}"`);
    return PROFILES[name];
  }
  if (version === undefined) return PROFILES[DEFAULT_PROFILE];
  const fitting = PROFILE_NAMES.filter((name) => compareVersions(PROFILES[name].version, version) <= 0);
  return PROFILES[fitting.at(-1) ?? "0.9"];
}

function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.+-]/, 3).map((p) => Number.parseInt(p, 10) || 0);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
