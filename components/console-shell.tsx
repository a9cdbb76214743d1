"use client";

import { QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState, type ReactNode } from "react";
import { ApiRequestError } from "./hooks/api-client";
import { useLogoutMutation } from "./hooks/mutations/use-login-mutation";
import { useAdminSessionQuery } from "./hooks/queries/use-admin-session-query";
import { useStatusQuery } from "./hooks/queries/use-status-query";
import { queryKeys } from "./hooks/query-keys";
import { LiveEventsProvider, useLiveConnection } from "./live/live-events-provider";
import { runningOperationNote } from "./operations/operation-view";
import { SignInGate } from "./sign-in-gate";
import { ThemeToggle } from "./theme/theme-toggle";

const sections = [
  { href: "/", label: "Overview" },
  { href: "/gpus", label: "GPUs" },
  { href: "/routing", label: "Routing" },
  { href: "/requests", label: "Requests" },
  { href: "/usage", label: "Usage" },
  { href: "/playground", label: "Playground" },
  { href: "/backends", label: "Backends" },
  { href: "/modes", label: "Modes" },
  { href: "/keys", label: "Keys" },
  { href: "/alerts", label: "Alerts" },
  { href: "/audit", label: "Audit" },
];

/** The console frame: the react-query client and the one live event stream every page shares, and navigation. */
export function ConsoleShell({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => {
    const client: QueryClient = new QueryClient({
      // A 401 anywhere means the session ended: ask again, and the sign-in gate takes over.
      queryCache: new QueryCache({
        onError: (error, query) => {
          if (error instanceof ApiRequestError && error.status === 401 && query.queryKey[0] !== "auth") void client.invalidateQueries({ queryKey: queryKeys.session() });
        },
      }),
      defaultOptions: {
        queries: {
          staleTime: 2_000,
          refetchOnWindowFocus: false,
          // Client errors (bad filter, unknown id, signed out) will not get better by asking again.
          retry: (failures, error) => failures < 1 && !(error instanceof ApiRequestError && error.status >= 400 && error.status < 500),
        },
      },
    });
    return client;
  });
  return (
    <QueryClientProvider client={queryClient}>
      <SignInGate>
        <LiveEventsProvider>
          <div className="shell">
            <Navigation />
            <main id="main">{children}</main>
          </div>
        </LiveEventsProvider>
      </SignInGate>
    </QueryClientProvider>
  );
}

function Navigation() {
  const pathname = usePathname();
  return (
    <nav aria-label="Console">
      <div className="brand">Switchyard</div>
      <ul className="nav-links">
        {sections.map((section) => (
          <li key={section.href}>
            <Link href={section.href} aria-current={isCurrentSection(pathname, section.href) ? "page" : undefined}>
              {section.label}
            </Link>
          </li>
        ))}
      </ul>
      <div className="nav-footer">
        <LabSummary />
        <ThemeToggle />
        <SignOut />
      </div>
    </nav>
  );
}

/** A section is current on its own page and on the pages under it (/requests/<id> is the Requests section). */
function isCurrentSection(pathname: string, href: string): boolean {
  return pathname === href || (href !== "/" && pathname.startsWith(`${href}/`));
}

/** Mode and live-connection state, visible from every page. */
function LabSummary() {
  const connection = useLiveConnection();
  const { data: status } = useStatusQuery();
  const label = connection === "open" ? "live" : connection === "connecting" ? "connecting…" : "reconnecting…";
  return (
    <div className="lab-summary">
      <span className={`connection connection-${connection}`} data-testid="live-connection" title="Live updates from /api/events">
        <span className="dot" aria-hidden="true" />
        {label}
      </span>
      {status ? (
        <span className="muted">
          mode <strong data-testid="nav-mode">{status.mode}</strong>
          {status.operation ? ` · ${runningOperationNote(status.operation)}` : ""}
        </span>
      ) : null}
    </div>
  );
}

/** Only a password session can be signed out of (an open console or the admin token cannot). */
function SignOut() {
  const { data: session } = useAdminSessionQuery();
  const logout = useLogoutMutation();
  if (session?.via !== "session") return null;
  return (
    <button type="button" onClick={() => logout.mutate()} disabled={logout.isPending}>
      Sign out
    </button>
  );
}
