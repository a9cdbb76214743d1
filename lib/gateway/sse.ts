/**
 * Splits a byte stream of server-sent events into whole events without waiting for anything but the
 * event's own terminator: bytes of an event are released the moment its blank line arrives, whatever the
 * chunking. Events end with "\n\n" (vLLM) or "\r\n\r\n".
 */
export class SseEventSplitter {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds a chunk; returns the complete events it finished, each with its terminator. */
  push(chunk: Uint8Array): Buffer[] {
    const data = this.pending.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.pending, chunk]);
    const events: Buffer[] = [];
    let start = 0;
    let searchFrom = 0;
    while (searchFrom < data.length) {
      const lf = data.indexOf(10, searchFrom); // "\n"
      if (lf === -1) break;
      const next = data[lf + 1];
      if (next === 10) {
        events.push(data.subarray(start, lf + 2));
        start = searchFrom = lf + 2;
      } else if (next === 13 && data[lf + 2] === 10) {
        events.push(data.subarray(start, lf + 3));
        start = searchFrom = lf + 3;
      } else if (next === undefined) {
        break; // the second newline may come in the next chunk
      } else {
        searchFrom = lf + 1;
      }
    }
    // Copy the remainder: `data` may alias a chunk the caller reuses.
    this.pending = start >= data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(start));
    return events;
  }

  /** Bytes of an unfinished event left at the end of the stream. */
  rest(): Buffer {
    return this.pending;
  }
}

/** The `data:` payload of one event (lines joined with "\n"), or null for comments and events without data. */
export function eventData(event: Buffer | string): string | null {
  const text = typeof event === "string" ? event : event.toString("utf8");
  let data: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith("data:")) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}
