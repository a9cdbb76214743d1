"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState, type ReactNode } from "react";

const sections = [{ href: "/", label: "Overview" }];

/** The console frame: navigation and the react-query client every page shares. */
export function ConsoleShell({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 2_000, retry: 1 } } }));
  const pathname = usePathname();
  return (
    <QueryClientProvider client={queryClient}>
      <div className="shell">
        <nav aria-label="Console">
          <div className="brand">Switchyard</div>
          {sections.map((section) => (
            <Link key={section.href} href={section.href} aria-current={pathname === section.href ? "page" : undefined}>
              {section.label}
            </Link>
          ))}
        </nav>
        <main>{children}</main>
      </div>
    </QueryClientProvider>
  );
}
