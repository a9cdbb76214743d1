import { describe, expect, test } from "vitest";
import { demultiplexDockerLog, dockerLogLines } from "./docker-log-frames";

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe("demultiplexDockerLog", () => {
  test("strips the 8-byte headers and keeps stdout and stderr in the engine's order", () => {
    const raw = Buffer.concat([frame(2, "loading\n"), frame(1, '{"event":"listening","port":8001}\n'), frame(2, "ready\n")]);
    expect(demultiplexDockerLog(raw).toString()).toBe('loading\n{"event":"listening","port":8001}\nready\n');
  });

  test("keeps a frame whose size runs past the end (the engine cut the output short)", () => {
    const whole = frame(1, "complete line\n");
    const cut = frame(2, "partial line that goes on\n").subarray(0, 8 + 7);
    expect(demultiplexDockerLog(Buffer.concat([whole, cut])).toString()).toBe("complete line\npartial");
  });

  test("a frame can carry multi-byte characters split across frames", () => {
    const bytes = Buffer.from("température\n", "utf8");
    const header = (size: number) => {
      const h = Buffer.alloc(8);
      h[0] = 1;
      h.writeUInt32BE(size, 4);
      return h;
    };
    // Split inside the two-byte "é".
    const raw = Buffer.concat([header(5), bytes.subarray(0, 5), header(bytes.length - 5), bytes.subarray(5)]);
    expect(demultiplexDockerLog(raw).toString("utf8")).toBe("température\n");
  });
});

describe("dockerLogLines", () => {
  test("a multiplexed log becomes lines without header bytes", () => {
    const raw = Buffer.concat([frame(1, "one\n"), frame(2, "two\n"), frame(1, "three\n")]);
    const lines = dockerLogLines(raw, { tty: false });
    expect(lines).toEqual(["one", "two", "three"]);
  });

  test("a TTY log is taken as written, CRLF line ends included", () => {
    const raw = Buffer.from("INFO starting\r\nINFO ready\r\n");
    expect(dockerLogLines(raw, { tty: true })).toEqual(["INFO starting", "INFO ready"]);
  });

  test("a TTY log is not mistaken for frames", () => {
    // A byte sequence that is not a frame header: taken as text.
    const raw = Buffer.from("\u0001 not a header\n");
    expect(dockerLogLines(raw, { tty: true })).toEqual(["\u0001 not a header"]);
  });

  test("tail keeps the last lines", () => {
    const raw = Buffer.concat(["a\n", "b\n", "c\n", "d\n"].map((line) => frame(1, line)));
    expect(dockerLogLines(raw, { tty: false, tail: 2 })).toEqual(["c", "d"]);
    expect(dockerLogLines(raw, { tty: false, tail: 0 })).toEqual([]);
  });

  test("an empty log has no lines", () => {
    expect(dockerLogLines(Buffer.alloc(0), { tty: false })).toEqual([]);
  });
});
