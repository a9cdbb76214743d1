"use client";

import { useCallback, useEffect, useRef } from "react";

/**
 * Catches the browser's Back (and Forward) while `armed`. A history traversal cannot be cancelled, so while armed
 * the page sits on a sentinel entry of its own: a copy of its URL pushed on top of the one it was loaded on. Back
 * leaves the sentinel for that entry (same URL: nothing visible changes); the popstate listener, in the capture
 * phase so it runs before the App Router's own listener (which would restore that entry's tree), stops the event,
 * pushes the sentinel again and calls `onBack`. `leave()` then goes back past both entries, to where Back was going.
 * Disarmed (saved, reset), the sentinel is taken off again so that one Back still leaves the page.
 */
export function useBackButtonGuard(armed: boolean, onBack: () => void): { leave: () => void } {
  const onBackRef = useRef(onBack);
  // Whether the current history entry is our sentinel; kept across re-renders and StrictMode's double effects.
  const onSentinel = useRef(false);
  const guardedUrl = useRef<string | null>(null);
  const leaving = useRef(false);

  useEffect(() => {
    onBackRef.current = onBack;
  }, [onBack]);

  useEffect(() => {
    if (!armed) {
      if (onSentinel.current && !leaving.current) {
        onSentinel.current = false;
        swallowNextPopState();
        window.history.back();
      }
      return;
    }
    if (!onSentinel.current) {
      guardedUrl.current = window.location.href;
      pushSentinel(guardedUrl.current);
      onSentinel.current = true;
    }
    const onPopState = (event: PopStateEvent) => {
      if (leaving.current || !onSentinel.current) return;
      event.stopImmediatePropagation();
      pushSentinel(guardedUrl.current ?? window.location.href);
      onBackRef.current();
    };
    window.addEventListener("popstate", onPopState, true);
    return () => window.removeEventListener("popstate", onPopState, true);
  }, [armed]);

  const leave = useCallback(() => {
    leaving.current = true;
    onSentinel.current = false;
    // Back past the sentinel and the entry the page was loaded on: where the press of Back was going.
    window.history.go(-2);
  }, []);

  return { leave };
}

function pushSentinel(url: string) {
  // Next's App Router patches pushState to copy its own state into the entry, so its router keeps the page.
  window.history.pushState({ switchyardUnsavedGuard: true }, "", url);
}

/** Our own history.back() off the sentinel lands on the same page: the App Router need not restore anything. */
function swallowNextPopState() {
  const once = (event: PopStateEvent) => {
    event.stopImmediatePropagation();
    window.removeEventListener("popstate", once, true);
  };
  window.addEventListener("popstate", once, true);
}
