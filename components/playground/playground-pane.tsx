"use client";

import Link from "next/link";
import { useState } from "react";
import type { PlaygroundChatBody, PlaygroundModel, PlaygroundModelsView } from "@/components/hooks/api-types";
import { useRequestQuery } from "@/components/hooks/queries/use-request-query";
import { formatDuration, formatNumber, formatTokensPerSecond, MISSING } from "@/components/ui/format";
import { Empty } from "@/components/ui/states";
import { answerStats } from "./chat-stream";
import { chatCurl } from "./curl";
import type { PlaygroundPaneState, Turn, TurnStatus } from "./use-playground-pane";

const STATUS_TEXT: Record<TurnStatus, string> = { waiting: "waiting for the first token…", streaming: "streaming…", done: "done", stopped: "stopped", failed: "failed" };

/** Where "open in the request log" leads: the request's own page in the log. */
export function requestLogHref(logId: string): string {
  return `/requests/${encodeURIComponent(logId)}`;
}

function modelOption(model: PlaygroundModel, mode: string): string {
  return model.backend ? `${model.id} → ${model.backend}` : `${model.id} (offline in ${mode})`;
}

/** One side of the playground: its model picker and its conversation, each answer with what the gateway did with it. */
export function PlaygroundPane({ name, pane, models }: { name: string; pane: PlaygroundPaneState; models: PlaygroundModelsView | undefined }) {
  const routes = models?.models.filter((m) => m.kind !== "model") ?? [];
  const served = models?.models.filter((m) => m.kind === "model") ?? [];
  return (
    <section className="panel playground-pane" aria-label={`Chat ${name}`} data-testid={`playground-pane-${name}`}>
      <div className="toolbar" style={{ justifyContent: "space-between", marginBottom: 8 }}>
        <label className="inline">
          Model
          <select aria-label={`Model for chat ${name}`} value={pane.model ?? ""} onChange={(e) => pane.setModel(e.target.value)} disabled={pane.busy || !models}>
            {!pane.model ? <option value="">…</option> : null}
            <optgroup label="Routes">
              {routes.map((m) => (
                <option key={m.id} value={m.id}>
                  {modelOption(m, models?.mode ?? "")}
                </option>
              ))}
            </optgroup>
            <optgroup label="Models">
              {served.map((m) => (
                <option key={m.id} value={m.id}>
                  {modelOption(m, models?.mode ?? "")}
                </option>
              ))}
            </optgroup>
          </select>
        </label>
        <button type="button" onClick={pane.clear} disabled={pane.turns.length === 0}>
          Clear
        </button>
      </div>
      {pane.turns.length === 0 ? (
        <Empty>No messages yet.</Empty>
      ) : (
        <ol className="playground-turns">
          {pane.turns.map((turn) => (
            <TurnView key={turn.id} turn={turn} auth={models?.auth ?? "keys"} />
          ))}
        </ol>
      )}
    </section>
  );
}

function TurnView({ turn, auth }: { turn: Turn; auth: PlaygroundModelsView["auth"] }) {
  const running = turn.status === "waiting" || turn.status === "streaming";
  return (
    <li data-testid="playground-turn" data-status={turn.status}>
      <p className="turn-prompt">
        <span className="muted small">You · {turn.body.model}</span>
        <br />
        {turn.prompt}
      </p>
      {turn.answer.reasoning ? (
        <details>
          <summary className="small">Reasoning</summary>
          <div className="turn-answer muted">{turn.answer.reasoning}</div>
        </details>
      ) : null}
      <div className="turn-answer" data-testid="answer-text" aria-busy={running}>
        {turn.answer.text || (running ? "…" : "")}
      </div>
      {turn.error ? (
        <p className="form-error" role="alert">
          {turn.error}
        </p>
      ) : null}
      <TurnFacts turn={turn} />
      <div className="toolbar small">
        <CopyCurl body={turn.body} auth={auth} />
        {turn.trace?.logId ? (
          <Link href={requestLogHref(turn.trace.logId)} data-testid="open-in-log">
            Open in the request log
          </Link>
        ) : null}
      </div>
    </li>
  );
}

/** TTFT and speed as the browser measured them; route, reason and backend from the gateway's headers, then from the log row. */
function TurnFacts({ turn }: { turn: Turn }) {
  const stats = answerStats(turn.answer);
  const finished = turn.status !== "waiting" && turn.status !== "streaming";
  const logged = useRequestQuery(finished && turn.trace?.logId ? turn.trace.logId : null, { untilLogged: true });
  const row = logged.data;
  const route = row?.route ?? turn.trace?.route ?? null;
  const reason = row?.routeReason ?? turn.trace?.routeReason ?? null;
  const backend = row?.backend ?? turn.trace?.backend ?? null;
  return (
    <dl className="turn-facts small">
      <div>
        <dt>Status</dt>
        <dd data-testid="turn-status">{STATUS_TEXT[turn.status]}</dd>
      </div>
      <div>
        <dt title="Sending to the first token, measured in the browser">TTFT</dt>
        <dd data-testid="turn-ttft">{formatDuration(stats.ttftMs)}</dd>
      </div>
      <div>
        <dt>Speed</dt>
        <dd data-testid="turn-speed">{formatTokensPerSecond(stats.tokensPerSecond)}</dd>
      </div>
      <div>
        <dt>Tokens</dt>
        <dd data-testid="turn-tokens">{formatNumber(stats.completionTokens)}</dd>
      </div>
      <div>
        <dt>Route</dt>
        <dd data-testid="turn-route">{route ?? MISSING}</dd>
      </div>
      <div>
        <dt>Why</dt>
        <dd data-testid="turn-route-reason">{reason ?? MISSING}</dd>
      </div>
      <div>
        <dt>Backend</dt>
        <dd data-testid="turn-backend">{backend ?? MISSING}</dd>
      </div>
      {row ? (
        <div>
          {/* The TTFT above is the one shown: the row's own (the gateway's) differs from it only by the network. */}
          <dt title="As the gateway logged it">Logged</dt>
          <dd data-testid="turn-logged">
            {row.outcome === "open"
              ? "being written…"
              : `${row.outcome} · total ${formatDuration(row.durationMs)} · key ${row.apiKeyName ?? row.apiKeyId ?? MISSING}`}
          </dd>
        </div>
      ) : null}
    </dl>
  );
}

/** The request as a curl for a shell (a key from $SWITCHYARD_API_KEY when the lab asks for keys), copied and shown. */
function CopyCurl({ body, auth }: { body: PlaygroundChatBody; auth: PlaygroundModelsView["auth"] }) {
  const [copied, setCopied] = useState<"copied" | "failed" | null>(null);
  // Turns exist only after a click in the browser, so this never renders on the server.
  const curl = chatCurl({ origin: window.location.origin, body, auth });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(curl);
      setCopied("copied");
    } catch {
      setCopied("failed");
    }
  };
  return (
    <>
      <button type="button" onClick={() => void copy()}>
        Copy as curl
      </button>
      {copied ? <span role="status">{copied === "copied" ? "Copied." : "The browser refused the clipboard: copy it from below."}</span> : null}
      <details>
        <summary>curl</summary>
        <pre className="logs" data-testid="turn-curl">
          {curl}
        </pre>
      </details>
    </>
  );
}
