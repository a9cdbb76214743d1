import fs from "node:fs";
import { defineConfig } from "@playwright/test";

const port = 3100;
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
  webServer: {
    // The built app on its own simulated lab (ports and load times of e2e/switchyard.e2e.yaml), fresh database.
    // The config is a copy: the routing page writes to it.
    command: "rm -rf .tmp/e2e && mkdir -p .tmp/e2e && cp e2e/switchyard.e2e.yaml .tmp/e2e/switchyard.yaml && npm run build && npm start",
    url: `http://127.0.0.1:${port}/readyz`,
    env: { PORT: String(port), SWITCHYARD_CONFIG: ".tmp/e2e/switchyard.yaml", SWITCHYARD_DB: ".tmp/e2e/switchyard.db" },
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
  },
});
