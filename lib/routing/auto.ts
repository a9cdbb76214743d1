import type { AutoRouteConfig } from "@/lib/config/schema";

/** What the auto router looks at in a request. */
export interface AutoSignals {
  /** Characters of prompt text (messages or prompt); about 4 per token. */
  promptChars: number;
  /** The prompt's tokens when a backend counted them (near a context limit); the size rule then uses them. */
  promptTokens?: number;
  hasTools: boolean;
  /** `reasoning_effort` as sent (OpenAI: minimal | low | medium | high). */
  reasoningEffort?: string;
  /** An explicit choice from the `x-switchyard-route` header. */
  hint?: string;
}

/** How busy each side is right now; `available` is false when the side has nothing that can take the request. */
export interface SideLoad {
  available: boolean;
  queued: number;
  /** Why the side is not available (default: offline in this mode). */
  why?: string;
}

export interface AutoDecision {
  side: "fast" | "deep";
  route: string;
  /** Plain-ASCII explanation recorded in the log row and the response header. */
  reason: string;
}

const CHARS_PER_TOKEN = 4;

/**
 * Picks fast or deep. Firm reasons (an explicit hint, reasoning effort, tools) decide outright; a prompt-size
 * choice is soft and spills to the other side when the preferred side is queueing and the other is idle.
 * A side with nothing live in the current mode is never picked while the other side has something.
 */
export function decideAuto(auto: AutoRouteConfig, signals: AutoSignals, load: Record<"fast" | "deep", SideLoad>): AutoDecision {
  const { side, reason, firm } = preferredSide(auto, signals);
  const other = side === "fast" ? "deep" : "fast";
  const pick = (chosen: "fast" | "deep", why: string): AutoDecision => ({ side: chosen, route: auto[chosen], reason: `auto: ${why}` });

  if (!load[side].available && load[other].available) return pick(other, `${reason}, but ${side} ${load[side].why ?? "is offline in this mode"}`);
  if (!firm && load[side].queued >= auto.spillQueueDepth && load[other].available && load[other].queued === 0) {
    return pick(other, `${reason}, but ${side} has ${load[side].queued} queued and ${other} is idle`);
  }
  return pick(side, reason);
}

function preferredSide(auto: AutoRouteConfig, signals: AutoSignals): { side: "fast" | "deep"; reason: string; firm: boolean } {
  const hint = signals.hint?.toLowerCase();
  if (hint === "fast" || hint === "deep") return { side: hint, reason: `hint ${hint}`, firm: true };
  const effort = signals.reasoningEffort?.toLowerCase();
  if (effort === "high" || effort === "medium") return { side: "deep", reason: `reasoning_effort ${effort}`, firm: true };
  if (effort === "low" || effort === "minimal" || effort === "none") return { side: "fast", reason: `reasoning_effort ${effort}`, firm: true };
  if (signals.hasTools) return { side: "deep", reason: "tools in request", firm: true };
  const tokens = signals.promptTokens ?? Math.round(signals.promptChars / CHARS_PER_TOKEN);
  const size = `${signals.promptTokens === undefined ? "~" : ""}${tokens} ${tokens === 1 ? "token" : "tokens"}`;
  if (tokens >= auto.longPromptTokens) return { side: "deep", reason: `long prompt (${size})`, firm: false };
  return { side: "fast", reason: `short prompt (${size})`, firm: false };
}

/** The auto router's rules in words, for the console's routing page. */
export function describeAutoRules(auto: AutoRouteConfig): string[] {
  return [
    `The header x-switchyard-route: fast or deep decides outright (fast = ${auto.fast}, deep = ${auto.deep}).`,
    `reasoning_effort high or medium goes to ${auto.deep}; low, minimal or none to ${auto.fast}.`,
    `Requests with tools go to ${auto.deep}.`,
    `Prompts of about ${auto.longPromptTokens} tokens or more (4 characters a token) go to ${auto.deep}; shorter ones to ${auto.fast}.`,
    `A choice made on prompt size moves to the other side when its side has ${auto.spillQueueDepth} or more requests queued and the other side is idle.`,
    "A side with nothing live in the current mode is never chosen while the other side has something.",
  ];
}
