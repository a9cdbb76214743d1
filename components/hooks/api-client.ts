/**
 * The console's only way to the admin API: unwraps the `{ data }` envelope and turns `{ error }` into an
 * `ApiRequestError` carrying the server's own message, so every error state can show what the server said.
 */

export class ApiRequestError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the server could not be reached at all. */
    readonly status: number,
    /** The envelope's error code (`bad_request`, `conflict`, ...), when the server sent one. */
    readonly code: string | null,
    /** The invalid fields (dotted paths) of a 400, for forms that show each error beside its field. */
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

type Envelope<T> = { data?: T; error?: { code?: string; message?: string; issues?: { path: string; message: string }[] } };

async function request<T>(path: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiRequestError(`Cannot reach Switchyard (${(error as Error).message}).`, 0, null);
  }
  const body = (await response.json().catch(() => null)) as Envelope<T> | null;
  if (!response.ok || !body || body.data === undefined) {
    throw new ApiRequestError(body?.error?.message ?? `${init.method ?? "GET"} ${path} answered ${response.status}`, response.status, body?.error?.code ?? null, body?.error?.issues ?? []);
  }
  return body.data;
}

/** GET an admin API path. */
export function fetchApi<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>(path, { headers: { accept: "application/json" }, signal });
}

/** A mutating admin request; the header tells the server (and its records) that the console asked. */
export function sendApi<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
  return request<T>(path, {
    method,
    headers: { accept: "application/json", "x-switchyard-client": "console", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export type QueryValue = string | number | boolean | null | undefined | readonly string[];

/** `?a=1&b=x,y` from the defined values only (arrays comma-joined, empty ones left out). */
export function toQueryString(params: Record<string, QueryValue>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) {
      if (value.length > 0) search.set(key, value.join(","));
    } else {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
