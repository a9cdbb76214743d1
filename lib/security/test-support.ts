import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

/**
 * Shared pieces of the security suites (lib/security/*.int.test.ts): the OpenAI error shape a client may rely
 * on, a listener that records whether anything reached it, and small waiting helpers.
 */

/** OpenAI's error body: all four fields present (`param` and `code` may be null; vLLM's `code` is a number). */
export const openAiErrorBodySchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.union([z.string(), z.number(), z.null()]),
  }),
});
export type OpenAiErrorBody = z.output<typeof openAiErrorBodySchema>;

/** The parsed OpenAI error of a response text, or null when the text is not one. */
export function parseOpenAiError(text: string): OpenAiErrorBody | null {
  try {
    const result = openAiErrorBodySchema.safeParse(JSON.parse(text));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

export { waitFor } from "@/lib/testing/wait";


/** A local HTTP server that answers nothing useful and remembers every connection and request it saw. */
export interface RecordingListener {
  url: string;
  port: number;
  connections(): number;
  requests(): { method: string; url: string }[];
  close(): Promise<void>;
}

export async function startRecordingListener(): Promise<RecordingListener> {
  let connections = 0;
  const requests: { method: string; url: string }[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "" });
    res.writeHead(418, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "the request reached the wrong server" } }));
  });
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    requests: () => [...requests],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The bytes of a SQLite database and its WAL, to scan for something that must never be stored. */
export function databaseBytes(dbFile: string): Buffer {
  return Buffer.concat([dbFile, `${dbFile}-wal`].filter((file) => fs.existsSync(file)).map((file) => fs.readFileSync(file)));
}

/** The `name=value` pair of a Set-Cookie header value (what a browser sends back). */
export function cookiePair(setCookie: string): string {
  return setCookie.split(";")[0]?.trim() ?? "";
}

/** Parses CSV as a spreadsheet would (RFC 4180 quoting): rows of decoded cell values. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? "";
    if (quoted) {
      if (char !== '"') cell += char;
      else if (text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      row.push(cell);
      cell = "";
    } else if (char === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else if (char !== "\r") cell += char;
  }
  if (cell !== "" || row.length > 0) rows.push([...row, cell]);
  return rows;
}
