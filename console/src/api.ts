// Requests to arbiter's API with the signed-in key. Errors carry the service's own message (its
// OpenAI-shaped {"error": {"message"}}), which says what was wrong; the console shows it as is.

const keyName = "arbiter.apiKey";

// The key lives in sessionStorage: it stays for this tab's reloads and goes when the tab closes.
export function storedKey(): string | null {
  return sessionStorage.getItem(keyName);
}
export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(keyName);
  else sessionStorage.setItem(keyName, key);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// Fired when a signed-in key is refused (revoked, or the server restarted with other keys), so
// the app can ask for a key again instead of failing screen by screen.
export const unauthorizedEvent = "arbiter:unauthorized";

export interface RequestOptions {
  method?: string;
  body?: unknown; // sent as JSON
  key?: string | null; // instead of the stored key (sign-in tries a key before storing it)
  signal?: AbortSignal;
  raw?: boolean; // resolve with the Response itself once it succeeded (a stream the caller reads)
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {};
  const key = options.key !== undefined ? options.key : storedKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method: options.method ?? "GET", headers, body, signal: options.signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "Cannot reach arbiter. Is `arbiter serve` still running at this address?");
  }
  if (res.ok && options.raw) return res as T;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const message =
      (json as { error?: { message?: string } } | null)?.error?.message ?? `${res.status} ${res.statusText}`;
    if (res.status === 401 && options.key === undefined && key) window.dispatchEvent(new Event(unauthorizedEvent));
    throw new ApiError(res.status, message);
  }
  return json as T;
}

// A message for any error a screen shows.
export function describe(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 503) return `${error.message} (the server is starting or busy; try again shortly)`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
