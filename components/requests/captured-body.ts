/**
 * A captured request or response body as the detail panel shows it. Request bodies are JSON and read better
 * indented; a body cut at the capture limit no longer parses and is shown as stored, like any other text.
 */
export function displayCapturedBody(body: string, kind: "request" | "response"): { text: string; json: boolean } {
  if (kind === "request") {
    try {
      return { text: JSON.stringify(JSON.parse(body), null, 2), json: true };
    } catch {
      // not JSON (or truncated): as stored
    }
  }
  return { text: body, json: false };
}
