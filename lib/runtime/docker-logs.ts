import type Docker from "dockerode";

/**
 * Reads `GET /containers/{id}/logs` as raw bytes. dockerode's own `logs({follow: false})` runs the body through
 * JSON.parse and returns an object when the output happens to be one JSON line (which a TTY container printing
 * JSON logs does), so the request goes through its HTTP layer directly, as a stream.
 */

interface DialOptions {
  path: string;
  method: "GET";
  isStream: true;
  abortSignal: AbortSignal;
  statusCodes: Record<number, true | string>;
  options: Record<string, string | number | boolean>;
}

interface Modem {
  dial(options: DialOptions, callback: (error: unknown, stream: unknown) => void): void;
}

interface ByteStream {
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  destroy(): unknown;
}

function isByteStream(value: unknown): value is ByteStream {
  return typeof value === "object" && value !== null && "on" in value && typeof value.on === "function";
}

export function fetchRawContainerLogs(container: Docker.Container, options: { tail: number; signal: AbortSignal }): Promise<Buffer> {
  const modem = container.modem as Modem;
  return new Promise<Buffer>((resolve, reject) => {
    modem.dial(
      {
        path: `/containers/${encodeURIComponent(container.id)}/logs?`,
        method: "GET",
        isStream: true,
        abortSignal: options.signal,
        statusCodes: { 200: true, 404: "no such container", 500: "server error" },
        options: { stdout: true, stderr: true, follow: false, tail: options.tail },
      },
      (error, stream) => {
        if (error) return reject(error);
        if (!isByteStream(stream)) return reject(new Error("docker engine returned no log stream"));
        // The engine bounds the size: `tail` lines.
        const chunks: Buffer[] = [];
        const onAbort = () => {
          stream.destroy();
          reject(options.signal.reason ?? new Error("aborted"));
        };
        options.signal.addEventListener("abort", onAbort, { once: true });
        stream.on("data", (chunk) => {
          chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
        });
        stream.on("end", () => {
          options.signal.removeEventListener("abort", onAbort);
          resolve(Buffer.concat(chunks));
        });
        stream.on("error", (streamError) => {
          options.signal.removeEventListener("abort", onAbort);
          reject(streamError);
        });
      },
    );
  });
}
