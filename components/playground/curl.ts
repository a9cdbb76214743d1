// "Copy as curl": the playground's request as the operator would send it to /v1 themselves. The console sends it
// through its own session, but a shell has none: with `auth: keys` the command reads a key from the environment,
// never one of the console's.

/** A shell word in single quotes: every ' becomes '\'' so any JSON survives. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function chatCurl({ origin, body, auth }: { origin: string; body: { stream?: boolean } & Record<string, unknown>; auth: "keys" | "open" }): string {
  const lines = [
    `curl ${body.stream ? "-sN" : "-s"} ${shellQuote(`${origin.replace(/\/+$/, "")}/v1/chat/completions`)}`,
    `-H 'content-type: application/json'`,
    ...(auth === "keys" ? [`-H "Authorization: Bearer $SWITCHYARD_API_KEY"`] : []),
    `-d ${shellQuote(JSON.stringify(body))}`,
  ];
  return lines.join(" \\\n  ");
}
