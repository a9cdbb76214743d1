import { exportCapNotice, exportHeader, rawRowFormatter, type ExportFormat, type RawRow } from "./export-format";

// An open export on the reader worker: its rows' lines as UTF-8 bytes, a chunk at a time. Each line is encoded
// straight into the chunk's buffer (TextEncoder#encodeInto), so no chunk-sized string is ever built, and the buffer
// is the worker's own, to be moved to the gateway's thread with the answer rather than copied.

/** Rows a chunk holds at most. */
export const EXPORT_CHUNK_ROWS = 2_000;
/** A chunk ends once it holds this much, whatever its rows (a log of long error messages). */
export const EXPORT_CHUNK_BYTES = 768 * 1024;
/** Room for a chunk and the line that crosses EXPORT_CHUNK_BYTES; a longer line gets a larger buffer. */
const BUFFER_BYTES = 1024 * 1024;

const encoder = new TextEncoder();

/** A growable byte buffer that UTF-8 is written into. */
class ChunkBytes {
  private bytes = new Uint8Array(BUFFER_BYTES);
  length = 0;

  write(text: string): void {
    let read = 0;
    for (;;) {
      const result = encoder.encodeInto(read === 0 ? text : text.slice(read), this.bytes.subarray(this.length));
      this.length += result.written;
      read += result.read;
      if (read >= text.length) return;
      // Did not fit (encodeInto never splits a character): a buffer twice as large, the bytes so far copied over.
      const larger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + (text.length - read) * 3));
      larger.set(this.bytes.subarray(0, this.length));
      this.bytes = larger;
    }
  }

  /** The bytes written, over a buffer of their own (the chunk is moved, so it must share it with nothing). */
  take(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

export class ExportChunks {
  private sent = 0;
  private headerSent = false;
  private finished = false;
  private readonly line: (row: RawRow) => string;

  constructor(
    private readonly rows: Iterator<RawRow>,
    private readonly format: ExportFormat,
    private readonly maxRows: number | null,
  ) {
    this.line = rawRowFormatter(format);
  }

  /** The next chunk of lines (the header first, a notice last if the cap cut the rows), or null after the last. */
  next(): Uint8Array | null {
    if (this.finished) return null;
    const chunk = new ChunkBytes();
    if (!this.headerSent) chunk.write(exportHeader(this.format));
    this.headerSent = true;
    for (let i = 0; i < EXPORT_CHUNK_ROWS && chunk.length < EXPORT_CHUNK_BYTES; i++) {
      if (this.maxRows !== null && this.sent >= this.maxRows) {
        const more = !this.rows.next().done;
        this.close();
        if (more) chunk.write(exportCapNotice(this.format, this.maxRows));
        break;
      }
      const next = this.rows.next();
      if (next.done) {
        this.close();
        break;
      }
      chunk.write(this.line(next.value));
      this.sent += 1;
    }
    return chunk.length === 0 && this.finished ? null : chunk.take();
  }

  /** Closes the cursor (at the end, at the cap, or when the download is cancelled). */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.rows.return?.();
  }
}
