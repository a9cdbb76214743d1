import fs from "node:fs";
import path from "node:path";
import type { PlannedConfigEdit } from "./edits";

/**
 * Changes the config file and writes it back atomically. `plan` gets the file's text and returns the new text
 * (lib/config/edits.ts: only the edited nodes' bytes change, and the result has been validated); a plan that throws
 * (ConfigError for an invalid result) leaves the file as it was. Nothing is written when the text is unchanged.
 */
export function updateConfigFile(file: string, plan: (text: string) => PlannedConfigEdit): PlannedConfigEdit {
  const text = fs.readFileSync(file, "utf8");
  const planned = plan(text);
  if (planned.text === text) return planned;
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(temp, planned.text);
  // Keep the operator's permissions on the file (rename gives it the temp file's).
  try {
    fs.chmodSync(temp, fs.statSync(file).mode & 0o7777);
  } catch {
    // not fatal: the content is what matters
  }
  fs.renameSync(temp, file);
  return planned;
}

/** The file's text, for a preview: what the edit would be planned against. */
export function readConfigText(file: string): string {
  return fs.readFileSync(file, "utf8");
}
