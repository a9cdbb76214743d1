import type { LabConfig } from "@/lib/config/schema";
import { largestContextInMode, servableModels } from "@/lib/routing/resolve";

/** One model card in vLLM's shape, so clients that read vLLM's extra fields (max_model_len) keep working. */
export interface ModelCard {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  root: string;
  parent: string | null;
  max_model_len: number | null;
  permission: Record<string, unknown>[];
}

const createdAt = Math.floor(Date.now() / 1000);

/** The models and aliases the current mode can serve. */
export function listModelCards(config: LabConfig, mode: string): ModelCard[] {
  return servableModels(config, mode).map(({ name, backend }) => ({
    id: name,
    object: "model",
    created: createdAt,
    owned_by: "switchyard",
    root: backend.servedModel,
    parent: name === backend.servedModel ? null : backend.servedModel,
    // An alias can serve what its largest backend in this mode holds: routing picks a backend the prompt fits.
    max_model_len: largestContextInMode(config, mode, name) ?? backend.maxModelLen ?? null,
    permission: [
      {
        id: `modelperm-${name}`,
        object: "model_permission",
        created: createdAt,
        allow_create_engine: false,
        allow_sampling: true,
        allow_logprobs: true,
        allow_search_indices: false,
        allow_view: true,
        allow_fine_tuning: false,
        organization: "*",
        group: null,
        is_blocking: false,
      },
    ],
  }));
}
