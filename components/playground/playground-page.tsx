"use client";

import { useEffect, useState, type FormEvent } from "react";
import type { PlaygroundModelsView } from "@/components/hooks/api-types";
import { usePlaygroundModelsQuery } from "@/components/hooks/queries/use-playground-models-query";
import { ErrorState } from "@/components/ui/states";
import { defaultChatSettings, settingsProblem, type ChatSettings } from "./chat-body";
import { PlaygroundPane } from "./playground-pane";
import { usePlaygroundPane, type PlaygroundPaneState } from "./use-playground-pane";

/** The model a pane starts with: the preferred names in order, else the n-th chat name, else the first. */
function initialModel(view: PlaygroundModelsView, preferred: string[], index: number): string | null {
  const ids = view.models.map((m) => m.id);
  return preferred.find((id) => ids.includes(id)) ?? ids[index] ?? ids[0] ?? null;
}

/**
 * Chat with any route or model through the gateway, as the console: streaming, a system prompt, temperature, max
 * tokens, and optionally two chats side by side (fast vs deep) answering the same prompt.
 */
export function PlaygroundPage() {
  const models = usePlaygroundModelsQuery();
  const left = usePlaygroundPane();
  const right = usePlaygroundPane();
  const [settings, setSettings] = useState<ChatSettings>(defaultChatSettings);
  const [compare, setCompare] = useState(false);
  const [prompt, setPrompt] = useState("");

  // Each pane starts on a model once the list arrives: fast on the left, the deep side on the right.
  const view = models.data;
  const { model: leftModel, setModel: setLeftModel } = left;
  const { model: rightModel, setModel: setRightModel } = right;
  useEffect(() => {
    if (!view) return;
    if (leftModel === null) setLeftModel(initialModel(view, ["fast"], 0));
    if (rightModel === null) setRightModel(initialModel(view, ["reasoning", "deep"], 1));
  }, [view, leftModel, rightModel, setLeftModel, setRightModel]);

  const panes: [string, PlaygroundPaneState][] = compare ? [["A", left], ["B", right]] : [["A", left]];
  const busy = panes.some(([, pane]) => pane.busy);
  const problem = settingsProblem(settings);
  const canSend = prompt.trim() !== "" && !busy && problem === null && panes.every(([, pane]) => pane.model);

  const send = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return;
    for (const [, pane] of panes) void pane.send(settings, prompt);
    setPrompt("");
  };
  const change = (patch: Partial<ChatSettings>) => setSettings((current) => ({ ...current, ...patch }));

  return (
    <>
      <div className="page-header">
        <h1>Playground</h1>
        <span className="muted small">
          Chats go through the gateway like any client&apos;s (routing, admission, metrics, the request log), logged under the key <strong>console playground</strong>.
        </span>
      </div>
      {models.error && !models.data ? <ErrorState title="Cannot read the models" error={models.error} onRetry={() => void models.refetch()} /> : null}
      <section className="panel" aria-label="Chat settings">
        <div className="playground-settings">
          <label className="playground-system">
            System prompt
            <textarea rows={2} value={settings.system} onChange={(e) => change({ system: e.target.value })} placeholder="You are a helpful assistant." />
          </label>
          <label>
            Temperature
            <input type="number" min={0} max={2} step={0.1} value={Number.isNaN(settings.temperature) ? "" : settings.temperature} onChange={(e) => change({ temperature: e.target.valueAsNumber })} />
          </label>
          <label>
            Max tokens
            <input type="number" min={1} step={1} value={Number.isNaN(settings.maxTokens) ? "" : settings.maxTokens} onChange={(e) => change({ maxTokens: e.target.valueAsNumber })} />
          </label>
          <label className="inline">
            <input type="checkbox" checked={settings.stream} onChange={(e) => change({ stream: e.target.checked })} />
            Stream
          </label>
          <label className="inline" title="vLLM's ignore_eos: the answer runs to max tokens, to compare speeds over the same length">
            <input type="checkbox" checked={settings.ignoreEos} onChange={(e) => change({ ignoreEos: e.target.checked })} />
            Full length (ignore_eos)
          </label>
          <label className="inline">
            <input type="checkbox" checked={compare} onChange={(e) => setCompare(e.target.checked)} disabled={busy} />
            Two side by side
          </label>
        </div>
        {problem ? (
          <p className="form-error" role="alert">
            {problem}
          </p>
        ) : null}
      </section>
      <form className="panel playground-prompt" onSubmit={send} aria-label="New message">
        <label>
          Prompt
          <textarea
            rows={3}
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) send();
            }}
            placeholder="Ask something (Ctrl+Enter sends)"
          />
        </label>
        <div className="toolbar">
          <button type="submit" className="primary" disabled={!canSend}>
            Send
          </button>
          <button type="button" onClick={() => panes.forEach(([, pane]) => pane.stop())} disabled={!busy}>
            Stop
          </button>
        </div>
      </form>
      <div className={`playground-panes${compare ? " two" : ""}`}>
        {panes.map(([name, pane]) => (
          <PlaygroundPane key={name} name={name} pane={pane} models={view} />
        ))}
      </div>
    </>
  );
}
