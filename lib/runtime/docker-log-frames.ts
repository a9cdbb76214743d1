/**
 * Docker's log output for a container without a TTY is multiplexed: each chunk of output is preceded by an 8-byte
 * header, [stream, 0, 0, 0, size (4 bytes, big-endian)], where stream is 0 (stdin), 1 (stdout) or 2 (stderr).
 * With a TTY the bytes come as written. Podman's compat API does the same.
 */

const HEADER_BYTES = 8;

function isFrameHeader(buffer: Buffer, offset: number): boolean {
  if (offset + HEADER_BYTES > buffer.length) return false;
  const stream = buffer[offset];
  return (stream === 0 || stream === 1 || stream === 2) && buffer[offset + 1] === 0 && buffer[offset + 2] === 0 && buffer[offset + 3] === 0;
}

/**
 * The payload bytes of a multiplexed log, in order (stdout and stderr interleaved as the engine recorded them).
 * Anything that does not parse as a frame (a truncated last frame, or raw bytes) is kept as it is rather than lost.
 */
export function demultiplexDockerLog(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < raw.length) {
    if (!isFrameHeader(raw, offset)) {
      parts.push(raw.subarray(offset));
      break;
    }
    const size = raw.readUInt32BE(offset + 4);
    const start = offset + HEADER_BYTES;
    parts.push(raw.subarray(start, Math.min(start + size, raw.length)));
    offset = start + size;
  }
  return Buffer.concat(parts);
}

/** Log bytes to lines: multiplexed unless the container has a TTY; CRLF (TTY output) counts as one line break. */
export function dockerLogLines(raw: Buffer, options: { tty: boolean; tail?: number }): string[] {
  const text = (options.tty ? raw : demultiplexDockerLog(raw)).toString("utf8");
  const lines = text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  if (lines.at(-1) === "") lines.pop();
  if (options.tail === undefined) return lines;
  return options.tail > 0 ? lines.slice(-options.tail) : [];
}
