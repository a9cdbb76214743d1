import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { ConsoleShell } from "@/components/console-shell";
import { themeBootScript } from "@/components/theme/theme-boot";
import "./globals.css";

export const metadata: Metadata = {
  title: "Switchyard",
  description: "Gateway and console of the GPU inference lab",
  // public/favicon.svg, and public/favicon.ico for browsers that ask for /favicon.ico whatever the page says.
  icons: { icon: [{ url: "/favicon.svg", type: "image/svg+xml" }, { url: "/favicon.ico", sizes: "16x16 32x32" }] },
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  colorScheme: "light dark",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The theme attribute is set before hydration by the boot script: React must not fight it.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeBootScript }} />
      </head>
      <body>
        <ConsoleShell>{children}</ConsoleShell>
      </body>
    </html>
  );
}
