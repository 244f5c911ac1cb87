// The one interface the sync engine depends on: pages of normalised records from some upstream task system.
// Adapters (the built-in simulator, the HTTP contract, GitHub Issues) hide transport, paging and quotas;
// the engine knows none of them by name.
import type { TaskStatus } from "../../db/schema";

/** A task as upstream has it now, normalised; `id` exactly as upstream sent it (never trimmed). */
export type LiveRecord = {
  id: string;
  title: string;
  status: TaskStatus;
  /** Upstream's version stamp (ISO 8601 UTC); compared for change, never for order. */
  updated_at: string;
  /** Where a person can see the task upstream (GitHub's html_url); null when the upstream has no such page. */
  source_url?: string | null;
  deleted?: false;
};

/** Upstream says the task was deleted (incremental listings of the HTTP contract). */
export type Tombstone = { id: string; updated_at: string; deleted: true };

/** A record that failed validation: quarantined with an excerpt of its raw payload and a plain reason. */
export type InvalidRecord = { externalId: string | null; raw: string; reason: string };

export type ErrorKind =
  | "http_error"
  | "timeout"
  | "network"
  | "rate_limited"
  | "malformed_response"
  | "too_large"
  | "redirect"
  | "auth"
  | "not_found";

/** One failed request attempt, as recorded in the run's errors. `message` is safe to publish (no secrets). */
export type AttemptFailure = {
  at: string;
  kind: ErrorKind;
  message: string;
  httpStatus?: number;
  retryable: boolean;
};

/**
 * Told before a request is tried again: the attempt that failed, the wait before the next, and how many attempts
 * were made so far (the next is `attempt + 1`). The sync shows it as the run's retry in progress.
 */
export type RetryListener = (failure: AttemptFailure, waitMs: number, attempt: number) => void;

/** A request that failed for good (permanent, or transient and out of attempts); carries the attempts made. */
export class UpstreamError extends Error {
  constructor(
    readonly failure: AttemptFailure,
    readonly attempts: number,
    readonly retried: AttemptFailure[],
  ) {
    super(failure.message);
  }
}

/**
 * Upstream is rate limiting until `nextAllowedAt` (ISO), beyond what the run may wait: the run ends `deferred`.
 * Thrown part-way through confirmDeleted, it carries the answers upstream gave before it (`partial`).
 */
export class UpstreamDeferred extends UpstreamError {
  constructor(
    failure: AttemptFailure,
    attempts: number,
    retried: AttemptFailure[],
    readonly nextAllowedAt: string,
    readonly partial: PartialConfirmation | null = null,
  ) {
    super(failure, attempts, retried);
  }
}

export type PageRequest = {
  /** The previous page's `nextCursor`; null for the first page. */
  cursor: string | null;
  limit: number;
  /** Incremental listings: records changed at or after this time (ISO); null for a full listing. */
  updatedSince: string | null;
  /** Aborted when the run must stop (it lost its lease, or its process is shutting down). */
  signal?: AbortSignal;
};

export type Quota = { remaining: number; limit: number; resetAt: string };

export type FetchedPage = {
  live: LiveRecord[];
  tombstones: Tombstone[];
  invalid: InvalidRecord[];
  /** Records the page held, duplicates and invalid ones included (not `ignored` ones). */
  received: number;
  /** Records skipped by design and counted apart (GitHub's pull requests in the issues listing). */
  ignored: number;
  /** Opaque; null when this was the last page. */
  nextCursor: string | null;
  /** Upstream's own clock when it answered (its `Date` header), ISO; null if it did not say. */
  upstreamNow: string | null;
  /** Upstream answered "not modified" (a conditional request's 304): no records, nothing changed. */
  notModified: boolean;
  /** Requests this page took, and the failed attempts retried before it came through. */
  attempts: number;
  retried: AttemptFailure[];
  /** The rate-limit budget upstream reported with this page, if it reports one. */
  quota: Quota | null;
};

/**
 * A page with no record of any kind that is not a 304: a listing that hands one out with a cursor makes no
 * progress, and the engine stops it (sync/cursor-guard.ts).
 */
export const bringsNothing = (page: FetchedPage): boolean =>
  page.received === 0 && page.ignored === 0 && !page.notModified;

export type Confirmation = {
  /** External ids upstream confirmed as gone (deleted, or moved out of reach). */
  deleted: string[];
  /** Requests made (count against the quota). */
  requests: number;
};

/** What upstream answered before it deferred the rest: the ids it `answered` for, of which `deleted` are gone. */
export type PartialConfirmation = Confirmation & { answered: string[] };

export type UpstreamSource = { kind: "simulator" | "http" | "github"; label: string };

export interface UpstreamAdapter {
  readonly source: UpstreamSource;
  /**
   * How deletions are found. `listing`: a complete listing with stable cursors proves absence, so a task absent
   * from it is deleted. `confirm`: pages can shift (page-number pagination), so each absent task is confirmed
   * with `confirmDeleted` before it is deleted.
   */
  readonly deletions: "listing" | "confirm";
  /** Fetches one page, retrying transient failures; throws UpstreamError or UpstreamDeferred. */
  fetchPage(req: PageRequest): Promise<FetchedPage>;
  /**
   * Asks upstream about tasks a complete listing did not show; required when `deletions` is `confirm`. A rate limit
   * met part-way throws UpstreamDeferred with the answers already given, so a retry need not ask for them again.
   */
  confirmDeleted?(externalIds: string[], signal?: AbortSignal): Promise<Confirmation>;
}

/** Small persistent key/value state an adapter keeps between runs (ETags, the last quota); backed by the db. */
export interface UpstreamStateStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}
