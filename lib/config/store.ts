import fs from "node:fs";
import { ConfigError, parseLabConfig } from "./parse";
import type { LabConfig } from "./schema";

export interface ConfigStore {
  /** The config in force: the last file content that validated. */
  current(): LabConfig;
  /** The file the config comes from. */
  readonly path: string;
  /** Why the file on disk is not in force, or null when it is. */
  lastError(): ConfigError | null;
  /** Calls `listener` with each new config that takes effect. Returns an unsubscribe function. */
  onChange(listener: (config: LabConfig) => void): () => void;
  /** Calls `listener` with each change of the file that is rejected (the last good config stays). */
  onReloadError(listener: (error: ConfigError) => void): () => void;
  /** Re-reads the file now; returns the config in force afterwards. */
  reload(): LabConfig;
  close(): void;
}

export interface ConfigStoreOptions {
  path: string;
  /** How often the file is checked for changes; 0 turns hot reload off. */
  watchIntervalMs?: number;
}

/**
 * Loads the lab config and keeps it current. The first load must succeed (a lab cannot start on a bad config);
 * later changes that fail validation are reported and the last good config stays in force.
 * Polling `fs.watchFile` rather than `fs.watch` because editors and the console replace the file atomically.
 */
export function createConfigStore({ path, watchIntervalMs = 1000 }: ConfigStoreOptions): ConfigStore {
  let config = readConfig(path);
  let lastError: ConfigError | null = null;
  const listeners = new Set<(config: LabConfig) => void>();
  const errorListeners = new Set<(error: ConfigError) => void>();

  function reload(): LabConfig {
    try {
      const next = readConfig(path);
      lastError = null;
      if (JSON.stringify(next) !== JSON.stringify(config)) {
        config = next;
        for (const listener of listeners) listener(config);
      }
    } catch (error) {
      lastError = error instanceof ConfigError ? error : new ConfigError(path, [{ path: "", message: String(error) }]);
      for (const listener of errorListeners) listener(lastError);
    }
    return config;
  }

  const onFileChange = (): void => {
    reload();
  };
  if (watchIntervalMs > 0) fs.watchFile(path, { interval: watchIntervalMs, persistent: false }, onFileChange);

  return {
    path,
    current: () => config,
    lastError: () => lastError,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onReloadError(listener) {
      errorListeners.add(listener);
      return () => errorListeners.delete(listener);
    },
    reload,
    close() {
      fs.unwatchFile(path, onFileChange);
      listeners.clear();
      errorListeners.clear();
    },
  };
}

function readConfig(path: string): LabConfig {
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(path, [{ path: "", message: `cannot read the file: ${(error as Error).message}` }]);
  }
  return parseLabConfig(text, path);
}
