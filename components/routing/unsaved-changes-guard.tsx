"use client";

import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { useBackButtonGuard } from "./use-back-button-guard";

/** Where the user was going: an in-app link's href, or wherever the browser's Back was taking them. */
type PendingLeave = { href: string } | "back";

/**
 * Keeps unsaved edits from being lost: while `dirty`, closing or reloading the tab asks the browser's own question
 * (beforeunload), and a click on an in-app link (Next's <Link>, the nav) asks first. The click is caught on the
 * document in the capture phase, before Next's router sees it; "Leave" then navigates with the router.
 * The browser's Back asks too (`useBackButtonGuard`: a sentinel history entry); "Leave" then goes back.
 */
export function UnsavedChangesGuard({ dirty }: { dirty: boolean }) {
  const router = useRouter();
  const [pending, setPending] = useState<PendingLeave | null>(null);
  // Set once the user chose to leave: going back may unload the document, which must not ask a second time.
  const leaving = useRef(false);
  const askAboutBack = useCallback(() => setPending("back"), []);
  const backGuard = useBackButtonGuard(dirty, askAboutBack);

  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (leaving.current) return;
      event.preventDefault();
      // Older browsers need returnValue set to show the prompt.
      event.returnValue = "";
    };
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!(anchor instanceof HTMLAnchorElement) || (anchor.target && anchor.target !== "_self") || anchor.hasAttribute("download")) return;
      const url = new URL(anchor.href, window.location.href);
      // Another site is beforeunload's to ask about; a link to this very page loses nothing.
      if (url.origin !== window.location.origin || (url.pathname === window.location.pathname && url.search === window.location.search)) return;
      event.preventDefault();
      event.stopPropagation();
      setPending({ href: `${url.pathname}${url.search}${url.hash}` });
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, [dirty]);

  return (
    <ConfirmDialog
      open={pending !== null}
      title="Leave without saving?"
      confirmLabel="Leave and discard"
      tone="danger"
      onCancel={() => setPending(null)}
      onConfirm={() => {
        const leave = pending;
        setPending(null);
        if (leave === "back") {
          leaving.current = true;
          backGuard.leave();
        } else if (leave) router.push(leave.href);
      }}
    >
      <p>The routing page has changes that are not saved. They will be lost.</p>
    </ConfirmDialog>
  );
}
