"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { PlaygroundChatBody } from "@/components/hooks/api-types";
import { PlaygroundChatError, postPlaygroundChat, type GatewayTrace } from "@/components/hooks/playground-chat";
import { answerFromJson, applyChatEvent, createSseReader, emptyAnswer, type ChatAnswer } from "./chat-stream";
import { chatBody, type ChatSettings, type Exchange } from "./chat-body";

export type TurnStatus = "waiting" | "streaming" | "done" | "stopped" | "failed";

/** One prompt of a pane's conversation and what came back. */
export interface Turn {
  id: number;
  prompt: string;
  /** The /v1 body that was sent (for "copy as curl"). */
  body: PlaygroundChatBody;
  status: TurnStatus;
  answer: ChatAnswer;
  trace: GatewayTrace | null;
  error: string | null;
}

const exchangesOf = (turns: readonly Turn[]): Exchange[] => turns.map((turn) => ({ prompt: turn.prompt, answer: turn.answer.text || null }));

/**
 * One side of the playground: a model and its conversation. `send` posts the conversation plus a prompt through
 * the gateway and reads the answer as it streams; `stop` hangs up (the gateway aborts the generation upstream).
 */
export function usePlaygroundPane() {
  const [model, setModel] = useState<string | null>(null);
  const [turns, setTurns] = useState<Turn[]>([]);
  const abortRef = useRef<AbortController | null>(null);
  const nextId = useRef(1);
  useEffect(() => () => abortRef.current?.abort(), []);

  const update = useCallback((id: number, change: Partial<Turn>) => setTurns((all) => all.map((turn) => (turn.id === id ? { ...turn, ...change } : turn))), []);

  const send = useCallback(
    async (settings: ChatSettings, prompt: string) => {
      if (!model) return;
      abortRef.current?.abort();
      const controller = new AbortController();
      abortRef.current = controller;
      const id = nextId.current++;
      const body = chatBody(model, settings, exchangesOf(turns), prompt);
      setTurns((all) => [...all, { id, prompt, body, status: "waiting", answer: emptyAnswer, trace: null, error: null }]);
      const sentAt = performance.now();
      const elapsed = () => performance.now() - sentAt;
      let answer = emptyAnswer;
      try {
        const { response, trace } = await postPlaygroundChat(body, controller.signal);
        update(id, { status: "streaming", trace });
        if (response.headers.get("content-type")?.includes("text/event-stream") && response.body) {
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          const events = createSseReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            for (const data of events(value)) answer = applyChatEvent(answer, data, elapsed());
            update(id, { answer });
          }
        } else {
          answer = answerFromJson(await response.json(), elapsed());
        }
        update(id, { answer, status: answer.error ? "failed" : "done", error: answer.error });
      } catch (error) {
        if (controller.signal.aborted) update(id, { answer, status: "stopped" });
        else update(id, { answer, status: "failed", error: (error as Error).message, ...(error instanceof PlaygroundChatError && error.trace ? { trace: error.trace } : {}) });
      } finally {
        if (abortRef.current === controller) abortRef.current = null;
      }
    },
    [model, turns, update],
  );

  const stop = useCallback(() => abortRef.current?.abort(), []);
  const clear = useCallback(() => {
    abortRef.current?.abort();
    setTurns([]);
  }, []);
  const last = turns[turns.length - 1];
  const busy = last?.status === "waiting" || last?.status === "streaming";
  return { model, setModel, turns, send, stop, clear, busy };
}

export type PlaygroundPaneState = ReturnType<typeof usePlaygroundPane>;
