import { BroadcastChannel, parentPort, workerData } from "node:worker_threads";
import type { ReaderRequest } from "./protocol";
import { CRASH_SEARCH, READER_TEST_CHANNEL, SLOW_MS, SLOW_SEARCH, type ReceivedOperation } from "./reader-test-channel";
import "./worker";

// The reader worker for reader.int.test.ts: the real one (./worker.ts), which also tells the test every operation it
// receives and on which worker (a BroadcastChannel), and obeys two test-only text searches (reader-test-channel.ts):
// one holds the thread for a while, one ends it.

const channel = new BroadcastChannel(READER_TEST_CHANNEL);
channel.unref();

// Runs after the real worker's listener has started the operation but before its answer is posted (that waits for
// the operation's promise): holding the thread here holds the answer, and exiting here loses it.
parentPort?.on("message", (request: ReaderRequest) => {
  channel.postMessage({ lane: (workerData as { lane: string }).lane, op: request.op } satisfies ReceivedOperation);
  if (request.op !== "page") return;
  const text = request.args.filters?.errorText;
  if (text === SLOW_SEARCH) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SLOW_MS);
  if (text === CRASH_SEARCH) process.exit(3);
});
