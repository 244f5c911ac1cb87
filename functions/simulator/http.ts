// Serving faults: JSON responses (Web APIs only, so the same code runs on Workers and Node), abortable waits,
// and the counters of what was served.

export const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

export function errorResponse(status: number, code: string, message: string, details?: unknown): Response {
  return jsonResponse(status, {
    error: details === undefined ? { code, message } : { code, message, details },
  });
}

/** Waits `ms`, ending early when the caller aborts; resolves false if it was aborted. */
function sleep(ms: number, signal?: AbortSignal | null): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Waits like sleep, then rejects with the abort reason as fetch would, so an in-process caller sees its timeout. */
export async function waitOrAbort(ms: number, signal?: AbortSignal | null): Promise<void> {
  if (await sleep(ms, signal)) return;
  throw signal?.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/** How the simulator answered GET /tasks so far, by outcome (GET /simulator/config shows them). */
export type SimStats = {
  requests: number;
  ok: number;
  bad_request: number;
  http_500: number;
  http_503: number;
  timeout: number;
  malformed: number;
  rate_limited: number;
};

export function emptyStats(): SimStats {
  return {
    requests: 0,
    ok: 0,
    bad_request: 0,
    http_500: 0,
    http_503: 0,
    timeout: 0,
    malformed: 0,
    rate_limited: 0,
  };
}
