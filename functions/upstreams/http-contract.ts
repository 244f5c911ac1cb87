// The adapter for the service's own upstream contract (`GET {base}/tasks?limit=&cursor=&updated_since=`):
// cursor-paged with stable cursors, so one complete listing proves absence. The simulator speaks it too.
import { z } from "zod";
import type { AttemptFailure, FetchedPage, PageRequest, UpstreamAdapter, UpstreamSource } from "./adapter";
import {
  BodyNotUtf8,
  BodyTooLarge,
  errorExcerpt,
  formatBytes,
  isTimeout,
  parseRetryAfter,
  readCapped,
  upstreamDate,
  withTimeout,
} from "./http";
import { classifyRecord, issuesText } from "./records";
import { type Attempt, type RetryDeps, withRetries } from "./retry";

export type UpstreamFetch = (url: string, init: RequestInit) => Promise<Response>;

export type HttpContractOptions = {
  baseUrl: string;
  fetch: UpstreamFetch;
  source?: UpstreamSource;
  /** Largest page body read, in bytes. */
  maxPageBytes: number;
  retry: Omit<RetryDeps, "signal">;
  /** Set when the listing's pages can shift (page-number pagination): absent tasks are then confirmed. */
  confirm?: UpstreamAdapter["confirmDeleted"];
};

export const DEFAULT_MAX_PAGE_BYTES = 4 * 1024 * 1024;

const pageSchema = z.object({
  data: z.array(z.unknown()).max(10_000),
  next_cursor: z.string().min(1).max(2_000).nullable(),
});
type RawPage = { body: z.infer<typeof pageSchema>; upstreamNow: string | null };

export function pageUrl(
  baseUrl: string,
  req: Pick<PageRequest, "cursor" | "limit" | "updatedSince">,
): string {
  const url = new URL(`${baseUrl.replace(/\/$/, "")}/tasks`);
  url.searchParams.set("limit", String(req.limit));
  if (req.cursor) url.searchParams.set("cursor", req.cursor);
  if (req.updatedSince) url.searchParams.set("updated_since", req.updatedSince);
  return url.toString();
}

const fail = (failure: AttemptFailure, retryAfterMs: number | null = null): Attempt<never> => ({
  ok: false,
  failure,
  retryAfterMs,
});

/** One request for one page; every outcome is a value, except the run's own abort, which propagates. */
async function attemptPage(
  opts: HttpContractOptions,
  url: string,
  signal: AbortSignal | undefined,
): Promise<Attempt<RawPage>> {
  const { clock, policy } = opts.retry;
  const at = clock().toISOString();
  const requestSignal = withTimeout(signal, policy.timeoutMs);
  let res: Response;
  try {
    // Redirects are never followed: the target could be any host, and its body would land in our errors.
    res = await opts.fetch(url, {
      headers: { accept: "application/json" },
      signal: requestSignal,
      redirect: "manual",
    });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (isTimeout(err))
      return fail({
        at,
        kind: "timeout",
        message: `No answer within ${policy.timeoutMs} ms`,
        retryable: true,
      });
    return fail({
      at,
      kind: "network",
      message: `Network error: ${(err as Error)?.message ?? err}`,
      retryable: true,
    });
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => {});
    return fail({
      at,
      kind: "redirect",
      message: `Upstream answered HTTP ${res.status} (a redirect); redirects are not followed — point UPSTREAM_URL at the final address`,
      httpStatus: res.status,
      retryable: false,
    });
  }
  if (!res.ok) {
    const excerpt = await errorExcerpt(res);
    return fail(
      {
        at,
        kind: res.status === 429 ? "rate_limited" : "http_error",
        message: `Upstream answered HTTP ${res.status}${excerpt ? `: ${excerpt}` : ""}`,
        httpStatus: res.status,
        retryable: res.status === 429 || res.status === 408 || res.status >= 500,
      },
      parseRetryAfterHeader(res, clock()),
    );
  }
  let text: string;
  try {
    text = await readCapped(res, opts.maxPageBytes);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (err instanceof BodyTooLarge)
      return fail({
        at,
        kind: "too_large",
        message: `Upstream page is larger than ${formatBytes(err.limit)}; ask for smaller pages (SYNC_PAGE_SIZE)`,
        httpStatus: 200,
        retryable: false,
      });
    if (err instanceof BodyNotUtf8)
      return fail({
        at,
        kind: "malformed_response",
        message: "Upstream answered 200 with a body that is not valid UTF-8",
        httpStatus: 200,
        retryable: false,
      });
    if (isTimeout(err))
      return fail({
        at,
        kind: "timeout",
        message: `Body not received within ${policy.timeoutMs} ms`,
        retryable: true,
      });
    return fail({
      at,
      kind: "network",
      message: `Body not received: ${(err as Error)?.message}`,
      retryable: true,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail({
      at,
      kind: "malformed_response",
      message: "Upstream answered 200 with a body that is not JSON",
      httpStatus: 200,
      retryable: false,
    });
  }
  const page = pageSchema.safeParse(json);
  if (!page.success) {
    return fail({
      at,
      kind: "malformed_response",
      message: `Upstream page does not match the contract: ${issuesText(page.error)}`,
      httpStatus: 200,
      retryable: false,
    });
  }
  return { ok: true, value: { body: page.data, upstreamNow: upstreamDate(res) } };
}

function parseRetryAfterHeader(res: Response, now: Date): number | null {
  return parseRetryAfter(res.headers.get("retry-after"), now);
}

function toPage(raw: RawPage, attempts: number, retried: AttemptFailure[]): FetchedPage {
  const page: FetchedPage = {
    live: [],
    tombstones: [],
    invalid: [],
    received: raw.body.data.length,
    ignored: 0,
    nextCursor: raw.body.next_cursor,
    upstreamNow: raw.upstreamNow,
    notModified: false,
    attempts,
    retried,
    quota: null,
  };
  for (const item of raw.body.data) {
    const rec = classifyRecord(item);
    if ("reason" in rec) page.invalid.push(rec);
    else if (rec.deleted === true) page.tombstones.push(rec);
    else page.live.push(rec);
  }
  return page;
}

export function httpContractAdapter(opts: HttpContractOptions): UpstreamAdapter {
  return {
    source: opts.source ?? { kind: "http", label: `HTTP · ${safeOrigin(opts.baseUrl)}` },
    deletions: opts.confirm ? "confirm" : "listing",
    confirmDeleted: opts.confirm,
    async fetchPage(req) {
      const url = pageUrl(opts.baseUrl, req);
      const { value, attempts, retried } = await withRetries({ ...opts.retry, signal: req.signal }, () =>
        attemptPage(opts, url, req.signal),
      );
      return toPage(value, attempts, retried);
    },
  };
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "upstream";
  }
}
