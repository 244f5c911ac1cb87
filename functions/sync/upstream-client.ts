// HTTP client for the upstream task listing: timeouts, retries with backoff and Retry-After, page validation.
import { z } from "zod";
import { TASK_STATUSES } from "../../db/schema";

export type UpstreamFetch = (url: string, init: RequestInit) => Promise<Response>;
export type Upstream = { baseUrl: string; fetch: UpstreamFetch };

export type ErrorKind = "http_error" | "timeout" | "network" | "rate_limited" | "malformed_response";

export type AttemptFailure = {
  at: string;
  kind: ErrorKind;
  message: string;
  httpStatus?: number;
  retryable: boolean;
};

/** A request that failed for good (not retryable, or out of attempts); carries the attempts it made. */
export class UpstreamError extends Error {
  constructor(
    readonly failure: AttemptFailure,
    readonly attempts: number,
    readonly retried: AttemptFailure[],
  ) {
    super(failure.message);
  }
}

/** Upstream asked us to wait longer than the run's budget: the run ends `deferred`. */
export class UpstreamDeferred extends UpstreamError {
  constructor(
    failure: AttemptFailure,
    attempts: number,
    retried: AttemptFailure[],
    readonly nextAllowedAt: string,
  ) {
    super(failure, attempts, retried);
  }
}

export type RetryPolicy = {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After we sit through; beyond it the request ends deferred. */
  maxRetryWaitMs: number;
  timeoutMs: number;
};

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  maxRetryWaitMs: 30_000,
  timeoutMs: 10_000,
};

export const MAX_TITLE_LENGTH = 500;

const isoTime = z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString());
const externalId = z.string().trim().min(1).max(200);

export const liveRecordSchema = z.object({
  id: externalId,
  title: z.string().trim().min(1).max(MAX_TITLE_LENGTH),
  status: z.enum(TASK_STATUSES),
  updated_at: isoTime,
  deleted: z.literal(false).optional(),
});
export const tombstoneSchema = z.object({ id: externalId, updated_at: isoTime, deleted: z.literal(true) });

export type LiveRecord = z.infer<typeof liveRecordSchema>;
export type Tombstone = z.infer<typeof tombstoneSchema>;
export type InvalidRecord = { externalId: string | null; raw: string; reason: string };

const pageSchema = z.object({
  data: z.array(z.unknown()).max(10_000),
  next_cursor: z.string().min(1).max(2_000).nullable(),
});

export type Page = {
  live: LiveRecord[];
  tombstones: Tombstone[];
  invalid: InvalidRecord[];
  /** How many records the page held, duplicates included. */
  received: number;
  nextCursor: string | null;
  attempts: number;
  /** Failed attempts that were retried before this page came through. */
  retried: AttemptFailure[];
};

export type PageRequest = { cursor: string | null; limit: number; updatedSince: string | null };

export type ClientDeps = {
  upstream: Upstream;
  policy: RetryPolicy;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each retry wait, e.g. to renew the run's lease and log. */
  onRetry?: (failure: AttemptFailure, waitMs: number, attempt: number) => Promise<void> | void;
};

/** Retry-After is either delta-seconds or an HTTP date; returns milliseconds to wait, or null. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

/** Exponential backoff with jitter: a random wait in [c/2, c], c = min(max, base·2^(attempt-1)). */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

function classifyRecord(raw: unknown): LiveRecord | Tombstone | InvalidRecord {
  const deleted = (raw as { deleted?: unknown })?.deleted === true;
  const parsed = (deleted ? tombstoneSchema : liveRecordSchema).safeParse(raw);
  if (parsed.success) return parsed.data;
  const id = (raw as { id?: unknown })?.id;
  let text: string;
  try {
    text = JSON.stringify(raw) ?? String(raw);
  } catch {
    text = String(raw);
  }
  return {
    externalId: typeof id === "string" && id.length <= 200 ? id : null,
    raw: text.length > 2000 ? `${text.slice(0, 2000)}…` : text,
    reason: parsed.error.issues.map((i) => `${i.path.join(".") || "record"}: ${i.message}`).join("; "),
  };
}

function pageUrl(baseUrl: string, req: PageRequest): string {
  const url = new URL(`${baseUrl.replace(/\/$/, "")}/tasks`);
  url.searchParams.set("limit", String(req.limit));
  if (req.cursor) url.searchParams.set("cursor", req.cursor);
  if (req.updatedSince) url.searchParams.set("updated_since", req.updatedSince);
  return url.toString();
}

type Attempt =
  | { ok: true; body: z.infer<typeof pageSchema> }
  | { ok: false; failure: AttemptFailure; retryAfterMs: number | null };

async function attempt(deps: ClientDeps, url: string): Promise<Attempt> {
  const at = deps.clock().toISOString();
  let res: Response;
  try {
    res = await deps.upstream.fetch(url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(deps.policy.timeoutMs),
    });
  } catch (err) {
    const name = (err as Error)?.name;
    if (name === "TimeoutError" || name === "AbortError") {
      return {
        ok: false,
        failure: {
          at,
          kind: "timeout",
          message: `No answer within ${deps.policy.timeoutMs} ms`,
          retryable: true,
        },
        retryAfterMs: null,
      };
    }
    return {
      ok: false,
      failure: {
        at,
        kind: "network",
        message: `Network error: ${(err as Error)?.message ?? err}`,
        retryable: true,
      },
      retryAfterMs: null,
    };
  }
  if (!res.ok) {
    const excerpt = (await res.text().catch(() => "")).slice(0, 200);
    const retryable = res.status === 429 || res.status >= 500;
    return {
      ok: false,
      failure: {
        at,
        kind: res.status === 429 ? "rate_limited" : "http_error",
        message: `Upstream answered HTTP ${res.status}${excerpt ? `: ${excerpt}` : ""}`,
        httpStatus: res.status,
        retryable,
      },
      retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), deps.clock()),
    };
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch (err) {
    const timedOut = (err as Error)?.name === "TimeoutError" || (err as Error)?.name === "AbortError";
    return {
      ok: false,
      failure: timedOut
        ? {
            at,
            kind: "timeout",
            message: `Body not received within ${deps.policy.timeoutMs} ms`,
            retryable: true,
          }
        : {
            at,
            kind: "malformed_response",
            message: "Upstream answered 200 with a body that is not JSON",
            httpStatus: 200,
            retryable: false,
          },
      retryAfterMs: null,
    };
  }
  const page = pageSchema.safeParse(json);
  if (!page.success) {
    return {
      ok: false,
      failure: {
        at,
        kind: "malformed_response",
        message: `Upstream page does not match the contract: ${page.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        httpStatus: 200,
        retryable: false,
      },
      retryAfterMs: null,
    };
  }
  return { ok: true, body: page.data };
}

/** Fetches and validates one page, retrying transient failures; throws UpstreamError or UpstreamDeferred. */
export async function fetchPage(deps: ClientDeps, req: PageRequest): Promise<Page> {
  const url = pageUrl(deps.upstream.baseUrl, req);
  const random = deps.random ?? Math.random;
  const retried: AttemptFailure[] = [];
  for (let n = 1; ; n++) {
    const result = await attempt(deps, url);
    if (result.ok) {
      const page: Page = {
        live: [],
        tombstones: [],
        invalid: [],
        received: result.body.data.length,
        nextCursor: result.body.next_cursor,
        attempts: n,
        retried,
      };
      for (const raw of result.body.data) {
        const rec = classifyRecord(raw);
        if ("reason" in rec) page.invalid.push(rec);
        else if (rec.deleted === true) page.tombstones.push(rec);
        else page.live.push(rec as LiveRecord);
      }
      return page;
    }
    const { failure, retryAfterMs } = result;
    if (failure.kind === "rate_limited" && n >= deps.policy.maxAttempts) {
      // Still rate-limited after every attempt: come back later rather than call it a failure.
      const nextAllowedAt = new Date(
        deps.clock().getTime() + (retryAfterMs ?? deps.policy.maxDelayMs),
      ).toISOString();
      throw new UpstreamDeferred(
        { ...failure, message: `${failure.message}; still rate-limited after ${n} attempts` },
        n,
        retried,
        nextAllowedAt,
      );
    }
    if (!failure.retryable || n >= deps.policy.maxAttempts) {
      throw new UpstreamError(
        { ...failure, message: `${failure.message} (attempt ${n} of ${deps.policy.maxAttempts})` },
        n,
        retried,
      );
    }
    if (retryAfterMs !== null && retryAfterMs > deps.policy.maxRetryWaitMs) {
      const nextAllowedAt = new Date(deps.clock().getTime() + retryAfterMs).toISOString();
      throw new UpstreamDeferred(
        {
          ...failure,
          message: `${failure.message}; upstream asks to wait until ${nextAllowedAt}, longer than the ${deps.policy.maxRetryWaitMs / 1000} s budget`,
        },
        n,
        retried,
        nextAllowedAt,
      );
    }
    const waitMs = retryAfterMs ?? backoffMs(n, deps.policy, random);
    retried.push(failure);
    await deps.onRetry?.(failure, waitMs, n);
    await deps.sleep(waitMs);
  }
}
