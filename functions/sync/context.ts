// What a run carries while it lists: its deps, its row, its listing scope, and what is not yet committed.
import type { BatchItem } from "drizzle-orm/batch";
import type { ListingScope } from "../../db/absence";
import type { Db } from "../../db/client";
import type { SyncRun } from "../../db/schema";
import type { NewError } from "../../db/sync-runs";
import type { Logger } from "../logger";
import type { UpstreamAdapter } from "../upstreams/adapter";
import type { RetryFeed } from "./live-retry";
import type { SeenVersions } from "./plan-page";

export type SyncSettings = {
  leaseSeconds: number;
  /** How often the heartbeat renews the lease (a fraction of the lease). */
  heartbeatMs: number;
  pageSize: number;
  maxDeleteShare: number;
  /** A listing longer than this is stopped (a cursor that never ends). */
  maxPages: number;
  /** Deletions a `confirm` upstream checks per run (each costs a request). */
  maxConfirmations: number;
  /** A scheduled run lists everything when the latest complete full listing began this long ago; 0: never. */
  fullEveryMs: number;
  /** Incremental listings re-read this much before the watermark. */
  watermarkOverlapMs: number;
  /** Errors and quarantined records older than this are deleted when a run ends. */
  errorRetentionDays: number;
  /** Finished runs older than this are deleted when a run ends (see expiredRunStatements). */
  runRetentionDays: number;
  /** A commit gathers whole pages until it holds this many records (one batch, one transaction). */
  commitRecords: number;
  /** Request the next page while the current one is written. */
  readAhead: boolean;
  /** One slice's budget; a run continues in the next slice from its checkpoint. */
  slice: { pages: number; statements: number; ms: number };
};

export type SyncDeps = {
  db: Db;
  upstream: UpstreamAdapter;
  clock: () => Date;
  logger: Logger;
  settings: SyncSettings;
  /**
   * Where `upstream` reports its retries (it was built with this feed's listener as its `onRetry`): the slice that
   * runs shows them as its run's retry in progress. Without it, retries are only logged.
   */
  retries?: RetryFeed;
  /** Test seam: runs after each committed page (a throw here is a crash between two pages). */
  afterPage?: (runId: number, page: number) => void | Promise<void>;
};

export type RunContext = {
  deps: SyncDeps;
  run: SyncRun;
  scope: ListingScope;
  /** Aborted when the run loses its lease: in-flight requests and waits stop at once. */
  signal: AbortSignal;
  notes: string[];
  /** The listing's watermark (set by its first page, or carried by a resumed listing). */
  highWater: string | null;
  /** Fingerprints of the listing's latest cursors, stored with each checkpoint. */
  cursorTrail: string | null;
  /** Requests and retried failures not yet written with a page. */
  pendingAttempts: number;
  retried: NewError[];
  /**
   * What the listing's end learnt before upstream deferred it (the confirmations it answered): written with the
   * batch that ends the run `deferred` or holds it for the wait, so the end it resumes asks only the rest.
   */
  answers: BatchItem<"sqlite">[];
  committedPages: number;
  /** Database statements this slice has run (D1 counts each statement of a batch). */
  statements: number;
  /** Tombstones this process saw in the listing (a later live copy of the task wins). */
  tombstoned: Set<number>;
  /**
   * The listing queued tombstones before this slice (an earlier slice, or the run a retry resumes): they are not in
   * `tombstoned`, so every stored task listed live is taken off the candidates.
   */
  earlierTombstones: boolean;
  tombstones: number;
  previous: SeenVersions;
  /**
   * The next page follows one an earlier slice of this run planned, whose versions are not in `previous`: its
   * invalid records are checked against what the run quarantined instead.
   */
  continues: boolean;
};

export const iso = (d: Date) => d.toISOString();

export function leaseUntil(ctx: RunContext, from: Date): string {
  return iso(new Date(from.getTime() + ctx.deps.settings.leaseSeconds * 1000));
}
