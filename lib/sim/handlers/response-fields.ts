import type { VllmProfile } from "../profiles";
import { hexId } from "../random";
import { usage, type Usage } from "../sampling";

/** Body fields shared by the chat and completions answers whose presence depends on the vLLM profile. */

export interface ProfileUsage extends Usage {
  prompt_tokens_details: null;
  completion_tokens_details?: null;
}

/** Non-stream and usage-chunk `usage`; 2026-05+ adds `completion_tokens_details`. */
export function responseUsage(profile: VllmProfile, promptTokens: number, completionTokens: number): ProfileUsage {
  const out: ProfileUsage = { ...usage(promptTokens, completionTokens), prompt_tokens_details: null };
  if (profile.completionTokensDetails) out.completion_tokens_details = null;
  return out;
}

/** v0.21 answers `vllm-<version>-<8 hex>` (the hash stands for the build and model); before, null. */
export function systemFingerprint(profile: VllmProfile, modelRoot: string): string | null {
  return profile.systemFingerprint ? `vllm-${profile.version}-${hexId(modelRoot).slice(0, 8)}` : null;
}
