import type { ReaderRequest } from "./protocol";

// What reader-test-worker.ts and reader.int.test.ts share: the channel on which the test worker reports every
// operation it receives, and its test-only text searches.

export const READER_TEST_CHANNEL = "request-log-reader-test";
/** A text search that holds its worker's thread SLOW_MS before answering. */
export const SLOW_SEARCH = "__slow__";
export const SLOW_MS = 1_500;
/** A text search that ends its worker's thread. */
export const CRASH_SEARCH = "__crash__";

export interface ReceivedOperation {
  lane: string;
  op: ReaderRequest["op"];
}
