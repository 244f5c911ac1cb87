// One GitHub REST call: bounded body, timeout, retries of transient failures, and GitHub's rate-limit rules
// (stop before the quota runs out, wait for the reset or the secondary limit within budget, else defer).
import type { Logger } from "../../logger";
import {
  type AttemptFailure,
  type Quota,
  type RetryListener,
  UpstreamDeferred,
  UpstreamError,
  type UpstreamStateStore,
} from "../adapter";
import { BodyNotUtf8 } from "../http";
import { readBounded, readErrorMessage, TooLargeError } from "./body";
import { classifyRefusal, type RateLimitVerdict, readQuota, secondaryBackoffMs } from "./rate-limit";

export type GithubFetch = (url: string, init: RequestInit) => Promise<Response>;

export type GithubHttpOptions = {
  fetch: GithubFetch;
  /** Null: unauthenticated (public repositories, GitHub's lower limit). Sent only as a header, never logged. */
  token: string | null;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  timeoutMs: number;
  maxBodyBytes: number;
  /** Attempts for transient failures (network, timeout, 5xx). */
  maxAttempts: number;
  /** Longest single wait (rate limit or reset) a run sits through; beyond it the run is deferred. */
  maxWaitMs: number;
  /** Furthest a deferral reaches, whatever GitHub's reset or Retry-After says (SYNC_MAX_DEFER_SECONDS). */
  maxDeferMs: number;
  /** Requests left untouched: the sync stops when the quota falls to this, so other tools of the user keep some. */
  quotaReserve: number;
  state: UpstreamStateStore;
  logger?: Logger;
  /** Told before every wait to try a request again (a backoff, a rate limit, the quota's reset), with the attempts made. */
  onRetry?: RetryListener;
};

export type GithubAnswer = {
  status: number;
  headers: Headers;
  /** Parsed JSON for a 200; null otherwise. */
  body: unknown;
  attempts: number;
  retried: AttemptFailure[];
};

/**
 * Where the quota a token was last given is kept: GitHub counts requests per token (per address without one), so
 * a new token starts with no stored quota instead of inheriting the spent one of the token it replaced.
 */
export async function quotaKey(token: string | null): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token ?? ""));
  const hex = Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  return `github:quota:${hex}`;
}
const MAX_RATE_LIMIT_WAITS = 4;
const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;

type Outcome =
  | { ok: true; answer: Omit<GithubAnswer, "attempts" | "retried"> }
  | { ok: false; failure: AttemptFailure; limit: RateLimitVerdict };

export class GithubHttp {
  /** undefined until read from the state store once; null when unknown. */
  private quota: Quota | null | undefined;
  private quotaDirty = false;
  private secondaryStrikes = 0;
  /** This token's state key, digested once (the quota is written after every page). */
  private key: Promise<string> | undefined;

  constructor(private readonly opts: GithubHttpOptions) {}

  private quotaKey(): Promise<string> {
    this.key ??= quotaKey(this.opts.token);
    return this.key;
  }

  /** The last quota GitHub reported (this run, or persisted by an earlier one). */
  async currentQuota(): Promise<Quota | null> {
    if (this.quota === undefined)
      this.quota = parseStoredQuota(await this.opts.state.get(await this.quotaKey()));
    return this.quota;
  }

  /** Writes the latest quota for the status card; once per page or confirmation batch, not per request. */
  async persistQuota(): Promise<void> {
    if (!this.quotaDirty || !this.quota) return;
    this.quotaDirty = false;
    await this.opts.state.set(await this.quotaKey(), JSON.stringify(this.quota));
  }

  /** GETs `url`; answers with any status in `accept`, throws UpstreamError / UpstreamDeferred otherwise. */
  async send(
    url: string,
    options: { accept: number[]; etag?: string | null; signal?: AbortSignal },
  ): Promise<GithubAnswer> {
    const retried: AttemptFailure[] = [];
    let rateLimitWaits = 0;
    for (let n = 1; ; n++) {
      await this.respectQuota(n - 1, retried);
      const outcome = await this.attempt(url, options);
      if (outcome.ok) {
        this.secondaryStrikes = 0;
        return { ...outcome.answer, attempts: n, retried };
      }
      const { failure, limit } = outcome;
      if (limit.kind !== "none") {
        const waitMs = this.rateLimitWait(limit);
        if (waitMs > this.opts.maxWaitMs || rateLimitWaits >= MAX_RATE_LIMIT_WAITS) {
          const nextAllowedAt = this.deferredUntil(this.opts.clock().getTime() + waitMs);
          await this.persistQuota();
          throw new UpstreamDeferred(
            { ...failure, message: `${failure.message}; the sync resumes after ${nextAllowedAt}` },
            n,
            retried,
            nextAllowedAt,
          );
        }
        rateLimitWaits++;
        await this.wait(failure, waitMs, retried, n);
        continue;
      }
      if (!failure.retryable || n >= this.opts.maxAttempts || options.signal?.aborted) {
        throw new UpstreamError(failure, n, retried);
      }
      await this.wait(failure, this.backoffMs(n), retried, n);
    }
  }

  private async attempt(
    url: string,
    options: { accept: number[]; etag?: string | null; signal?: AbortSignal },
  ): Promise<Outcome> {
    const at = this.opts.clock().toISOString();
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let res: Response;
    try {
      // Redirects are never followed: a listing that moves is a configuration problem, a 301 on an issue is a transfer.
      res = await this.opts.fetch(url, { headers: this.headers(options.etag), redirect: "manual", signal });
    } catch (err) {
      return { ok: false, failure: this.transportFailure(at, err, timeout.aborted), limit: { kind: "none" } };
    }
    this.noteQuota(readQuota(res.headers));
    if (options.accept.includes(res.status)) return this.accepted(at, res, timeout);
    const message = this.redact(await readErrorMessage(res));
    const limit = classifyRefusal(res.status, res.headers, message, this.opts.clock());
    return { ok: false, failure: this.refusal(at, res, message, limit), limit };
  }

  private async accepted(at: string, res: Response, timeout: AbortSignal): Promise<Outcome> {
    if (res.status !== 200) {
      await res.body?.cancel();
      return { ok: true, answer: { status: res.status, headers: res.headers, body: null } };
    }
    let text: string;
    try {
      text = await readBounded(res, this.opts.maxBodyBytes);
    } catch (err) {
      if (err instanceof TooLargeError) {
        const failure = fail(
          at,
          "too_large",
          `GitHub's answer exceeded ${this.opts.maxBodyBytes} bytes`,
          200,
          false,
        );
        return { ok: false, failure, limit: { kind: "none" } };
      }
      if (err instanceof BodyNotUtf8) {
        const failure = fail(
          at,
          "malformed_response",
          "GitHub answered 200 with a body that is not valid UTF-8",
          200,
          false,
        );
        return { ok: false, failure, limit: { kind: "none" } };
      }
      // The connection dropped part-way (or the time ran out): transient, unlike a body that arrived and is not JSON.
      return {
        ok: false,
        failure: this.transportFailure(at, err, timeout.aborted),
        limit: { kind: "none" },
      };
    }
    try {
      return { ok: true, answer: { status: 200, headers: res.headers, body: JSON.parse(text) } };
    } catch {
      const failure = fail(
        at,
        "malformed_response",
        "GitHub answered 200 with a body that is not JSON",
        200,
        false,
      );
      return { ok: false, failure, limit: { kind: "none" } };
    }
  }

  private refusal(at: string, res: Response, message: string, limit: RateLimitVerdict): AttemptFailure {
    const status = res.status;
    const said = message ? `: ${message}` : "";
    if (limit.kind === "primary") {
      return fail(
        at,
        "rate_limited",
        `GitHub's API quota is exhausted until ${limit.resetAt}${said}`,
        status,
        true,
      );
    }
    if (limit.kind === "secondary") {
      return fail(at, "rate_limited", `GitHub's secondary rate limit (HTTP ${status})${said}`, status, true);
    }
    if (status === 401) {
      const text = this.opts.token ? "GitHub refused the token" : "GitHub requires a token (GITHUB_TOKEN)";
      return fail(at, "auth", `${text}: ${message || "HTTP 401"}`, status, false);
    }
    if (status === 404) {
      return fail(
        at,
        "not_found",
        "GitHub: repository not found or not visible to this token",
        status,
        false,
      );
    }
    if (status >= 300 && status < 400) {
      const where = describeLocation(res.headers.get("location"));
      const text = `GitHub redirected the request (HTTP ${status}${where}); redirects are not followed — was the repository renamed or moved? Set GITHUB_REPO to its current name`;
      return fail(at, "redirect", text, status, false);
    }
    if (status === 403) return fail(at, "auth", `GitHub refused access (HTTP 403)${said}`, status, false);
    const retryable = status >= 500;
    return fail(at, "http_error", `GitHub answered HTTP ${status}${said}`, status, retryable);
  }

  private transportFailure(at: string, err: unknown, timedOut: boolean): AttemptFailure {
    if (timedOut)
      return fail(at, "timeout", `GitHub did not answer within ${this.opts.timeoutMs} ms`, undefined, true);
    const text = err instanceof Error ? err.message : String(err);
    return fail(
      at,
      "network",
      `Network error reaching GitHub: ${this.redact(text).slice(0, 200)}`,
      undefined,
      true,
    );
  }

  /** Before each request: when the known quota is down to the reserve, wait for its reset (within budget) or defer. */
  private async respectQuota(attemptsMade: number, retried: AttemptFailure[]): Promise<void> {
    const quota = await this.currentQuota();
    const now = this.opts.clock();
    if (!quota || quota.remaining > this.opts.quotaReserve) return;
    const waitMs = Date.parse(quota.resetAt) - now.getTime() + 1000;
    if (waitMs <= 0) return;
    const failure = fail(
      now.toISOString(),
      "rate_limited",
      `GitHub's API quota is nearly spent (${quota.remaining} of ${quota.limit} requests left, ${this.opts.quotaReserve} kept in reserve) until ${quota.resetAt}`,
      undefined,
      true,
    );
    if (waitMs > this.opts.maxWaitMs) {
      await this.persistQuota();
      const message = `${failure.message}; the sync resumes after the reset`;
      const resumeAt = this.deferredUntil(Date.parse(quota.resetAt), now.getTime());
      throw new UpstreamDeferred({ ...failure, message }, attemptsMade, retried, resumeAt);
    }
    await this.wait(failure, waitMs, retried, attemptsMade);
    // The reset has passed: the quota is full again until GitHub says otherwise.
    this.quota = null;
  }

  /**
   * When a deferred run may try again: at `untilMs`, but never further than maxDeferMs from now, so a reset GitHub
   * (or a proxy) dates years ahead cannot stop the cron, which skips its ticks until then.
   */
  private deferredUntil(untilMs: number, nowMs = this.opts.clock().getTime()): string {
    return new Date(Math.min(untilMs, nowMs + this.opts.maxDeferMs)).toISOString();
  }

  private rateLimitWait(limit: Exclude<RateLimitVerdict, { kind: "none" }>): number {
    if (limit.kind === "primary")
      return Math.max(1000, Date.parse(limit.resetAt) - this.opts.clock().getTime() + 1000);
    if (limit.waitMs !== null) return Math.max(1000, limit.waitMs);
    this.secondaryStrikes++;
    return secondaryBackoffMs(this.secondaryStrikes);
  }

  private async wait(
    failure: AttemptFailure,
    waitMs: number,
    retried: AttemptFailure[],
    attemptsMade: number,
  ): Promise<void> {
    retried.push(failure);
    this.opts.logger?.warn("github request waits before retrying", {
      kind: failure.kind,
      http_status: failure.httpStatus,
      wait_ms: waitMs,
      reason: failure.message,
    });
    this.opts.onRetry?.(failure, waitMs, attemptsMade);
    await this.opts.sleep(waitMs);
  }

  private backoffMs(attempt: number): number {
    const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
    return Math.round(ceiling * (0.5 + (this.opts.random ?? Math.random)() / 2));
  }

  private noteQuota(quota: Quota | null): void {
    if (!quota) return;
    this.quota = quota;
    this.quotaDirty = true;
  }

  private headers(etag: string | null | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      "user-agent": "task-sync-service",
    };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (etag) headers["if-none-match"] = etag;
    return headers;
  }

  /** Belt and braces: nothing GitHub or the network says reaches a message with the token in it. */
  private redact(text: string): string {
    const token = this.opts.token;
    return token ? text.split(token).join("[redacted]") : text;
  }
}

function fail(
  at: string,
  kind: AttemptFailure["kind"],
  message: string,
  httpStatus: number | undefined,
  retryable: boolean,
): AttemptFailure {
  return httpStatus === undefined
    ? { at, kind, message, retryable }
    : { at, kind, message, httpStatus, retryable };
}

/** Names where a redirect pointed (origin and path only: a query could carry anything). */
function describeLocation(location: string | null): string {
  if (!location) return "";
  try {
    const url = new URL(location);
    return ` to ${url.origin}${url.pathname}`.slice(0, 200);
  } catch {
    return "";
  }
}

/** A stored quota, or null when there is none or it does not parse. */
export function parseStoredQuota(value: string | null): Quota | null {
  if (!value) return null;
  try {
    const q = JSON.parse(value) as Quota;
    const ok =
      Number.isFinite(q.remaining) && Number.isFinite(q.limit) && !Number.isNaN(Date.parse(q.resetAt));
    return ok ? q : null;
  } catch {
    return null;
  }
}
