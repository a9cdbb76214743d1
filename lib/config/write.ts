import fs from "node:fs";
import path from "node:path";
import { isMap, parseDocument } from "yaml";
import { parseLabConfig } from "./parse";
import type { LabConfig } from "./schema";

/**
 * Changes part of the config file and writes it back atomically, keeping the operator's comments and layout
 * (the yaml Document API edits the parsed tree in place). The result is validated before anything is written:
 * an edit that would make the file invalid throws ConfigError and leaves the file as it was.
 */
export function updateConfigFile(file: string, edit: (doc: ReturnType<typeof parseDocument>) => void): LabConfig {
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  edit(doc);
  const text = doc.toString();
  const config = parseLabConfig(text, file);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
  return config;
}

/** Replaces the routes, keeping the entries (and their comments) whose value did not change. */
export function setRoutes(doc: ReturnType<typeof parseDocument>, routes: LabConfig["routes"]): void {
  const current = doc.get("routes", true);
  if (!isMap(current)) {
    doc.set("routes", doc.createNode(routes));
    return;
  }
  for (const item of [...current.items]) {
    const key = String((item.key as { value?: unknown })?.value ?? item.key);
    if (!(key in routes)) current.delete(key);
  }
  for (const [name, value] of Object.entries(routes)) {
    const existing: unknown = doc.getIn(["routes", name]);
    const plain = existing && typeof existing === "object" && "toJSON" in existing ? (existing as { toJSON(): unknown }).toJSON() : existing;
    if (JSON.stringify(plain) !== JSON.stringify(value)) doc.setIn(["routes", name], doc.createNode(value, { flow: Array.isArray(value) }));
  }
}
