/** The words the text generator writes, shared with the tokenizer's vocabulary (each is one token there). */

export const WORDS = [
  "the", "model", "answer", "system", "data", "result", "value", "request", "server", "token", "stream",
  "simple", "fast", "small", "large", "clear", "quick", "useful", "stable", "local", "remote", "careful",
  "engine", "memory", "cache", "batch", "queue", "latency", "throughput", "network", "cluster", "process",
  "we", "you", "it", "they", "this", "that", "each", "every", "some", "many", "few", "most",
  "is", "are", "was", "can", "will", "should", "might", "must", "has", "have", "does",
  "run", "runs", "send", "sends", "read", "reads", "write", "writes", "build", "builds", "check", "checks",
  "keep", "keeps", "show", "shows", "find", "finds", "use", "uses", "make", "makes", "take", "takes",
  "and", "or", "but", "so", "because", "while", "when", "if", "then", "also", "still", "only",
  "in", "on", "at", "for", "with", "from", "into", "over", "under", "between", "after", "before",
  "a", "an", "one", "two", "three", "first", "second", "next", "last", "new", "old", "good", "better",
  "time", "way", "part", "place", "case", "point", "number", "question", "problem", "idea", "step",
  "light", "river", "garden", "window", "morning", "evening", "mountain", "city", "road", "story",
  "quietly", "often", "always", "never", "usually", "really", "simply", "nearly", "almost", "already",
  "here", "there", "today", "soon", "again", "together", "inside", "outside", "around", "through",
] as const;

/** Place names: tool-call and structured-output string values. */
export const NAMES = ["Paris", "London", "Tokyo", "Berlin", "Madrid", "Oslo", "Lima", "Cairo", "Seoul", "Rome"] as const;
