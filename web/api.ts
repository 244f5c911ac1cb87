// The dashboard's one way to talk to the server: timeouts, the error shape, the API token and reachability.
import { hc, type InferResponseType } from "hono/client";
import type { AppType } from "../functions/app";
import type { SimulatorState } from "../functions/simulator/dataset";

// ---- Response bodies: inferred from the server's route schemas, so a renamed field breaks this build ----

export type Run = InferResponseType<(typeof api.api.sync.runs)[":id"]["$get"], 200>;
export type RunStatus = Run["status"];
export type RunTrigger = Run["trigger"];
export type SyncMode = Run["mode"];
export type RunCounts = Run["counts"];
export type RunError = Run["errors"][number];
/** A request of a running run that is being retried (the status's `progress.retrying`). */
export type RunRetrying = NonNullable<NonNullable<Run["progress"]>["retrying"]>;
export type RunPage = InferResponseType<typeof api.api.sync.runs.$get, 200>;

export type Health = InferResponseType<typeof api.api.health.$get, 200>;

export type TaskPage = InferResponseType<typeof api.api.tasks.$get, 200>;
export type Task = TaskPage["results"][number];
export type TaskStatus = Task["status"];
export const TASK_STATUSES: TaskStatus[] = ["todo", "in_progress", "done"];

export type SyncStatus = InferResponseType<typeof api.api.sync.status.$get, 200>;
type RunStatusBody = Extract<SyncStatus, { id: number }>;

export type TaskSort = "-updated_at" | "updated_at" | "title" | "-title" | "external_id" | "-external_id";
export type TaskQuery = {
  statuses: TaskStatus[];
  search: string;
  deleted: "exclude" | "only";
  sort: TaskSort;
};

/** What GET/PUT /simulator/config answer: the settings, flat, with version, live count and stats. */
export type SimState = SimulatorState;
export type SimSettings = SimulatorState;
export type AdvanceResult = { version: number; updated: number; created: number; deleted: number };

export function isRun(status: SyncStatus | null): status is RunStatusBody {
  return status !== null && "id" in status;
}

// ---- Errors ----

export type ErrorBody = {
  error: { code: string; message: string; details?: unknown; run_id?: number };
  run?: Run;
};

/** A failed request: `status` 0 means the server was not reached (network, timeout). */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: ErrorBody | null = null,
  ) {
    super(message);
  }

  /** The run a 409 (running) or 502 (failed/deferred) answer carries beside the error. */
  get run(): Run | null {
    return this.body?.run ?? null;
  }
}

// ---- Reachability (feeds the offline banner) ----

const reachabilityListeners = new Set<(reachable: boolean) => void>();
export function onReachability(listener: (reachable: boolean) => void): () => void {
  reachabilityListeners.add(listener);
  return () => reachabilityListeners.delete(listener);
}
function reportReachable(reachable: boolean) {
  for (const listener of reachabilityListeners) listener(reachable);
}

// ---- API token (asked once when the server answers 401, kept for this tab's session) ----

const TOKEN_KEY = "tasksync.api-token";
let tokenPrompt: (() => Promise<string | null>) | null = null;
let pendingPrompt: Promise<string | null> | null = null;

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}
function storeToken(token: string | null) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage can be disabled; the token then lasts for this request only.
  }
}
/** The dialog that asks for the token; registered by the page. */
export function setTokenPrompt(prompt: (() => Promise<string | null>) | null) {
  tokenPrompt = prompt;
}
function askToken(): Promise<string | null> {
  if (!tokenPrompt) return Promise.resolve(null);
  // Several requests can hit 401 together; they share one dialog.
  pendingPrompt ??= tokenPrompt().finally(() => {
    pendingPrompt = null;
  });
  return pendingPrompt;
}

// ---- Transport ----

export const DEFAULT_TIMEOUT_MS = 15_000;
// POST /api/sync answers when the run ends; live progress comes from polling meanwhile.
export const SYNC_TIMEOUT_MS = 5 * 60_000;

/** fetch with a timeout unless the caller brought a signal, JSON accept, and the token on mutating requests. */
function timedFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const method = (init.method ?? "GET").toUpperCase();
  const headers = new Headers(init.headers);
  headers.set("accept", "application/json");
  const token = getToken();
  if (token && method !== "GET" && method !== "HEAD") headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS) });
}

/** The typed client: a renamed field in functions/ breaks this build, not the page. */
export const api = hc<AppType>("/", { fetch: timedFetch });

async function attempt(make: () => Promise<Response>): Promise<Response> {
  try {
    const res = await make();
    reportReachable(true);
    return res;
  } catch (err) {
    const name = err instanceof DOMException ? err.name : "";
    if (name === "TimeoutError") throw new RequestError(0, "timeout", "The server did not answer in time");
    if (name === "AbortError") throw new RequestError(0, "aborted", "The request was cancelled");
    reportReachable(false);
    throw new RequestError(0, "network", "Cannot reach the server; check your connection");
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: handled below.
  }
  if (res.ok) {
    if (body === null)
      throw new RequestError(res.status, "bad_response", "The server answered something unreadable");
    return body as T;
  }
  const error = (body as ErrorBody | null)?.error;
  if (error && typeof error.message === "string") {
    throw new RequestError(res.status, String(error.code), error.message, body as ErrorBody);
  }
  throw new RequestError(res.status, "http_error", `The server answered HTTP ${res.status}`);
}

/** Sends a request (a thunk, so it can be sent again after the token dialog) and returns its JSON body. */
export async function send<T>(make: () => Promise<Response>): Promise<T> {
  let res = await attempt(make);
  if (res.status === 401 && tokenPrompt) {
    await res.body?.cancel();
    storeToken(null);
    const token = await askToken();
    if (token) {
      storeToken(token);
      res = await attempt(make);
    }
  }
  return parse<T>(res);
}

function json(method: string, body: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  };
}

// ---- Endpoints (typed through `api` where the route is in AppType; the simulator is mounted apart) ----

const timeout = (ms: number, signal?: AbortSignal) => ({
  init: { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms) },
});

/** GET /api/health. A 503 carries the same body (the database refuses writes), so both are read. */
export async function getHealth(): Promise<Health> {
  const res = await attempt(() => api.api.health.$get());
  if (res.status === 200 || res.status === 503) return (await res.json()) as Health;
  throw new RequestError(res.status, "http_error", `The server answered HTTP ${res.status}`);
}

export const getSyncStatus = () => send<SyncStatus>(() => api.api.sync.status.$get());

export const startSync = (mode: SyncMode) =>
  send<Run>(() => api.api.sync.$post({ json: { mode } }, timeout(SYNC_TIMEOUT_MS)));

export const retryRun = (id: number) =>
  send<Run>(() =>
    api.api.sync.runs[":id"].retry.$post({ param: { id: String(id) } }, timeout(SYNC_TIMEOUT_MS)),
  );

export const listRuns = (limit: number, cursor?: string) =>
  send<RunPage>(() =>
    api.api.sync.runs.$get({ query: cursor ? { limit: String(limit), cursor } : { limit: String(limit) } }),
  );

/** The list's filters as query parameters; the CSV export takes the same ones. */
export function taskParams(query: TaskQuery): Record<string, string> {
  const params: Record<string, string> = { sort: query.sort };
  if (query.statuses.length > 0) params.status = query.statuses.join(",");
  if (query.search.trim()) params.search = query.search.trim();
  if (query.deleted !== "exclude") params.deleted = query.deleted;
  return params;
}

export const listTasks = (query: TaskQuery, limit: number, cursor: string | null, signal?: AbortSignal) =>
  send<TaskPage>(() =>
    api.api.tasks.$get(
      { query: { ...taskParams(query), limit: String(limit), ...(cursor ? { cursor } : {}) } },
      timeout(DEFAULT_TIMEOUT_MS, signal),
    ),
  );

// A plain link (the browser downloads it), so a relative URL built here rather than through the client.
export const exportUrl = (query: TaskQuery) =>
  `/api/tasks/export.csv?${new URLSearchParams(taskParams(query))}`;

export const deleteTask = (id: number) =>
  send<Task>(() => api.api.tasks[":id"].$delete({ param: { id: String(id) } }));

export const restoreTask = (id: number) =>
  send<Task>(() => api.api.tasks[":id"].restore.$post({ param: { id: String(id) } }));

/** The simulator's settings, or null when the service runs against a real upstream (404). */
export async function getSimulator(): Promise<SimState | null> {
  try {
    return await send<SimState>(() => timedFetch("/simulator/config"));
  } catch (err) {
    if (err instanceof RequestError && err.status === 404) return null;
    throw err;
  }
}

export const updateSimulator = (
  patch: Partial<
    Pick<SimState, "failure_rate" | "rate_limit_rate" | "invalid_rate" | "latency_ms" | "failure_kinds">
  >,
) => send<SimState>(() => timedFetch("/simulator/config", json("PUT", patch)));

export const advanceSimulator = (body: { updates: number; creates: number; deletes: number }) =>
  send<AdvanceResult>(() => timedFetch("/simulator/advance", json("POST", body)));
