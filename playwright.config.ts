import fs from "node:fs";
import { defineConfig } from "@playwright/test";

// SWITCHYARD_E2E_SLOT (0-9) moves every port the suite uses, so checkouts on one machine can run it side by side.
const slot = Number(process.env.SWITCHYARD_E2E_SLOT ?? 0);
const port = 3100 + 10 * slot;
/** The instance that asks for a password (e2e/console-sign-in.spec.ts). */
export const authPort = port + 1;
/** The simulated backends' ports: e2e/switchyard.e2e.yaml's 2800N, moved by the slot. */
export const simulatorPort = (n: number) => 28000 + 100 * slot + n;
export const adminPassword = "e2e-admin-password";
// Browsers cannot be downloaded here: use Debian's Chromium when it is installed, else Playwright's own.
const systemChromium = "/usr/bin/chromium";
const launchOptions = fs.existsSync(systemChromium)
  ? {
      executablePath: systemChromium,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    }
  : {};

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  timeout: 60_000,
  workers: 1,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  webServer: [
    {
      // The built app on its own simulated lab (ports and load times of e2e/switchyard.e2e.yaml), fresh database.
      // The config is a copy: the routing page writes to it.
      command: `rm -rf .tmp/e2e && mkdir -p .tmp/e2e && sed 's/:2800/:28${slot}0/' e2e/switchyard.e2e.yaml > .tmp/e2e/switchyard.yaml && npm run build && npm start`,
      url: `http://127.0.0.1:${port}/readyz`,
      env: { PORT: String(port), SWITCHYARD_CONFIG: ".tmp/e2e/switchyard.yaml", SWITCHYARD_DB: ".tmp/e2e/switchyard.db" },
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: "pipe",
    },
    {
      // A second instance of the same build (Playwright starts the servers in turn, so the build is done) with an
      // admin password, for the sign-in flow; its simulators on ports of their own.
      command:
        `rm -rf .tmp/e2e-auth && mkdir -p .tmp/e2e-auth && sed 's/:2800/:29${slot}0/' e2e/switchyard.e2e.yaml > .tmp/e2e-auth/switchyard.yaml && npm start`,
      url: `http://127.0.0.1:${authPort}/readyz`,
      env: {
        PORT: String(authPort),
        SWITCHYARD_CONFIG: ".tmp/e2e-auth/switchyard.yaml",
        SWITCHYARD_DB: ".tmp/e2e-auth/switchyard.db",
        SWITCHYARD_ADMIN_PASSWORD: adminPassword,
      },
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
    },
  ],
});
