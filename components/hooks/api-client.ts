/** Fetches an admin API path and unwraps its envelope; a failure throws with the server's own message. */
export async function fetchApi<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, { ...init, headers: { accept: "application/json", ...init?.headers } });
  const body = (await response.json().catch(() => null)) as { data?: T; error?: { message?: string } } | null;
  if (!response.ok || !body || body.data === undefined) {
    throw new Error(body?.error?.message ?? `${path} answered ${response.status}`);
  }
  return body.data;
}

/** Every react-query key of the console, from one place, so invalidation cannot miss a spelling. */
export const queryKeys = {
  status: () => ["status"] as const,
};
