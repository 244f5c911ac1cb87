// A running run's retry in progress: while the adapter waits to try a request again, the run's row says why its
// last attempt failed and when the next one starts, so the status (and the dashboard) can tell a sync retrying
// against a failing upstream from one that is merely slow. Progress only: the retried failures are counted in
// the run's `attempts` and errors when their page commits or the run ends, exactly as before.
//
// Cost: one statement when a retry is announced, one more when the retried request settles (succeeds or fails
// for good); none for a request that needs no retry, and none added to the heartbeat or the run's final batch
// (which clears the column in the update it already makes).
import { z } from "zod";
import type { AttemptFailure, RetryListener, UpstreamAdapter } from "../upstreams/adapter";

/** Where the adapter of a SyncDeps reports its retries: the slice being run listens for as long as it runs. */
export type RetryFeed = { listener: RetryListener | null };

export function retryFeed(): RetryFeed {
  return { listener: null };
}

/** Longest message kept: the adapters' messages are already short, sanitised excerpts. */
const MESSAGE_CHARS = 300;

/** What `sync_runs.live_retry` holds (JSON), and what the API answers as `progress.retrying`. */
export const LiveRetrySchema = z.object({
  /** The listing's page the request is for; null for another request (confirming a deletion). */
  page: z.number().int().positive().nullable(),
  /** The attempt the request is on: 2 once the first has failed. */
  attempt: z.number().int().positive(),
  kind: z.string().max(64),
  http_status: z.number().int().nullable(),
  message: z.string().max(MESSAGE_CHARS),
  failed_at: z.string().max(64),
  next_attempt_at: z.string().max(64),
});

export type LiveRetry = z.infer<typeof LiveRetrySchema>;

/** The stored value, or null when there is none or it is not one (never throws: a status read must not fail). */
export function parseLiveRetry(stored: string | null | undefined): LiveRetry | null {
  if (!stored) return null;
  try {
    const parsed = LiveRetrySchema.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function liveRetryOf(
  failure: AttemptFailure,
  waitMs: number,
  attemptsMade: number,
  page: number | null,
  now: Date,
): LiveRetry {
  const wait = Number.isFinite(waitMs) ? Math.max(0, waitMs) : 0;
  return {
    page,
    attempt: Math.max(1, Math.floor(attemptsMade) + 1),
    kind: failure.kind,
    http_status: failure.httpStatus ?? null,
    message: failure.message.slice(0, MESSAGE_CHARS),
    failed_at: failure.at,
    next_attempt_at: new Date(now.getTime() + wait).toISOString(),
  };
}

/**
 * One slice's retry in progress, written to its run as it changes. Writes never overlap and keep their order (the
 * latest value wins; a value overtaken before it was written is skipped); a failed write is logged and not retried
 * (the next change, or the run's end, writes again).
 */
export class LiveRetries {
  #want: string | null = null;
  #shown: string | null = null;
  #writing: Promise<void> | null = null;
  #stopped = false;
  #page: number | null = null;

  constructor(
    private readonly opts: {
      clock: () => Date;
      /** Writes the value (null: clears it); one statement. */
      write: (value: string | null) => Promise<void>;
      onError: (err: unknown) => void;
      /** What the run shows already (a wait an earlier slice recorded): the first request that settles clears it. */
      shown?: string | null;
    },
  ) {
    this.#shown = opts.shown ?? null;
  }

  /** The adapter is about to wait and try its current request again. */
  readonly retrying: RetryListener = (failure, waitMs, attempt) => {
    if (this.#stopped) return;
    this.#want = JSON.stringify(liveRetryOf(failure, waitMs, attempt, this.#page, this.opts.clock()));
    this.#kick();
  };

  /** The value for a request upstream deferred, which the run waits out until its next slice (waitForUpstream). */
  waiting(failure: AttemptFailure, until: string, attempt: number): string {
    const now = this.opts.clock();
    return JSON.stringify(liveRetryOf(failure, Date.parse(until) - now.getTime(), attempt, this.#page, now));
  }

  /** The request settled (it came through or failed for good): clears what it showed, once that is written. */
  async settled(): Promise<void> {
    this.#want = null;
    this.#kick();
    if (this.#writing) await this.#writing;
  }

  /**
   * The adapter with each request marked: a page request knows its page number (the listing's pages are requested
   * one after another, `firstPage` first), and whatever a request showed is cleared before its answer is used.
   */
  track(adapter: UpstreamAdapter, firstPage: number): UpstreamAdapter {
    let page = firstPage;
    const around = async <T>(pageOf: number | null, request: () => Promise<T>): Promise<T> => {
      this.#page = pageOf;
      try {
        return await request();
      } finally {
        await this.settled();
      }
    };
    const { confirmDeleted } = adapter;
    return {
      source: adapter.source,
      deletions: adapter.deletions,
      fetchPage: (req) => around(page++, () => adapter.fetchPage(req)),
      ...(confirmDeleted
        ? { confirmDeleted: (ids, signal) => around(null, () => confirmDeleted.call(adapter, ids, signal)) }
        : {}),
    };
  }

  /** The slice is over: waits for a write under way; nothing is written after. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#writing) await this.#writing;
  }

  #kick(): void {
    if (this.#writing || this.#stopped || this.#want === this.#shown) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = null;
      this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (!this.#stopped && this.#want !== this.#shown) {
      const value = this.#want;
      try {
        await this.opts.write(value);
      } catch (err) {
        this.opts.onError(err);
      }
      this.#shown = value;
    }
  }
}
