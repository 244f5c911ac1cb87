// The one drizzle schema shared by D1 (Workers) and libSQL (Node); migrations are generated from it.
import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const TASK_STATUSES = ["todo", "in_progress", "done"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const RUN_STATUSES = ["running", "success", "partial", "failed", "deferred", "abandoned"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_TRIGGERS = ["manual", "schedule", "retry"] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export const SYNC_MODES = ["full", "incremental"] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

// Times are ISO 8601 UTC strings with milliseconds: they sort as text and read well in SQL.
export const tasks = sqliteTable(
  "tasks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    externalId: text("external_id").notNull().unique(),
    title: text("title").notNull(),
    status: text("status", { enum: TASK_STATUSES }).notNull(),
    remoteUpdatedAt: text("remote_updated_at").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    lastRunId: integer("last_run_id"),
    deletedAt: text("deleted_at"),
    deletedBy: text("deleted_by", { enum: ["user", "upstream"] }),
    // Where a person sees the task upstream (GitHub's html_url), exactly as upstream gave it; null for the simulator.
    sourceUrl: text("source_url"),
  },
  (t) => [
    check("tasks_status_check", sql`${t.status} in ('todo', 'in_progress', 'done')`),
    check("tasks_deleted_by_check", sql`${t.deletedBy} is null or ${t.deletedBy} in ('user', 'upstream')`),
    // Each index below is named by the list plan that walks it (db/task-list.ts picks one with INDEXED BY, and
    // test/node/task-plans.test.ts pins every plan). Every index costs each sync write. The two led by updated_at
    // only ever grow at their end (a sync stamps each page with the time it writes it), so they carry the
    // columns the list filters on: a count or a filtered walk reads the index alone, the table only for the page.
    // There is no index on title alone: a title lands anywhere in its b-tree, so each commit of a sync rewrote
    // leaf pages all over it (writing 100,000 rows in-process: 2.80 -> 1.87 s without it). A title sort reads
    // one of these two instead and keeps the best `limit` rows (~13 ms a page at 100,000 live tasks, see README).
    // Sorts by updated_at (the default) and title, the updated_after/updated_before ranges, and most counts.
    index("tasks_updated_idx").on(t.updatedAt, t.id, t.deletedAt, t.status, t.title),
    // A single status filter: seeks to the status instead of skipping two rows in three.
    index("tasks_status_updated_idx").on(t.status, t.updatedAt, t.id, t.deletedAt, t.title),
    // The "deleted" view: partial indexes hold only deleted rows, so a sync of live rows never touches them.
    index("tasks_deleted_updated_idx").on(t.updatedAt).where(sql`deleted_at is not null`),
    index("tasks_deleted_title_idx").on(t.title).where(sql`deleted_at is not null`),
    index("tasks_deleted_external_idx").on(t.externalId).where(sql`deleted_at is not null`),
  ],
);

export const syncRuns = sqliteTable(
  "sync_runs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    status: text("status", { enum: RUN_STATUSES }).notNull(),
    trigger: text("trigger", { enum: RUN_TRIGGERS }).notNull(),
    mode: text("mode", { enum: SYNC_MODES }).notNull(),
    retryOf: integer("retry_of"),
    startedAt: text("started_at").notNull(),
    finishedAt: text("finished_at"),
    heartbeatAt: text("heartbeat_at").notNull(),
    // Where the next page starts (upstream cursor); null before the first page and after the last.
    cursor: text("cursor"),
    // The `updated_since` this run asked for, and the watermark: upstream's own clock when this listing began
    // (never a record's updated_at, which may be skewed or future-dated). The next incremental asks from it.
    since: text("since"),
    highWater: text("high_water"),
    // The run that began this listing (itself, or the run a retry resumed): seen-markers and deletion
    // candidates are kept under it, so a listing continued by a retry is still one listing.
    listingId: integer("listing_id"),
    // Fingerprints of the listing's latest cursors (JSON array): a cursor cycle is caught across slices too.
    cursorTrail: text("cursor_trail"),
    // What existed before the listing began: tasks with a larger id were created by it and are never absent,
    // and the mass-delete guard's share is taken against the live count.
    baseTaskId: integer("base_task_id").notNull().default(0),
    baseActive: integer("base_active").notNull().default(0),
    snapshotComplete: integer("snapshot_complete", { mode: "boolean" }).notNull().default(false),
    pages: integer("pages").notNull().default(0),
    attempts: integer("attempts").notNull().default(0),
    fetched: integer("fetched").notNull().default(0),
    created: integer("created").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    unchanged: integer("unchanged").notNull().default(0),
    deleted: integer("deleted").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    invalid: integer("invalid").notNull().default(0),
    // Records the upstream adapter skips by design (GitHub's pull requests), counted apart from `fetched`.
    ignored: integer("ignored").notNull().default(0),
    message: text("message"),
    nextAllowedAt: text("next_allowed_at"),
    // While a running run's request is being retried: why its last attempt failed and when it tries next (JSON,
    // functions/sync/live-retry.ts). Progress only, never a count: null again once the request settles or the run
    // ends; the retried failures themselves are counted in `attempts` and sync_errors as before.
    liveRetry: text("live_retry"),
  },
  (t) => [
    check(
      "sync_runs_status_check",
      sql`${t.status} in ('running', 'success', 'partial', 'failed', 'deferred', 'abandoned')`,
    ),
    index("sync_runs_status_idx").on(t.status, t.id),
    // Retention finds the runs that finished long ago by it (db/sync-runs.ts expiredRuns) without reading them all.
    index("sync_runs_finished_idx").on(t.finishedAt),
    // The scheduler's questions (fullListingTimes: when did the latest full listing begin, and the latest complete
    // one?) read the few full listings, not every incremental run since.
    index("sync_runs_full_idx").on(t.id).where(sql`mode = 'full'`),
  ],
);

export const syncErrors = sqliteTable(
  "sync_errors",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    runId: integer("run_id").notNull(),
    at: text("at").notNull(),
    kind: text("kind").notNull(),
    message: text("message").notNull(),
    httpStatus: integer("http_status"),
    externalId: text("external_id"),
    rawPayload: text("raw_payload"),
    retryable: integer("retryable", { mode: "boolean" }).notNull().default(false),
    // Quarantined records: one row per distinct payload (a hash of id and payload), moved to the latest run.
    fingerprint: text("fingerprint"),
  },
  (t) => [
    index("sync_errors_run_idx").on(t.runId, t.id),
    uniqueIndex("sync_errors_fingerprint_idx").on(t.fingerprint).where(sql`fingerprint is not null`),
    index("sync_errors_at_idx").on(t.at),
  ],
);

// Tasks upstream tombstoned during a listing (`run_id` is the listing's id); applied, guarded, when it ends.
export const syncDeleteCandidates = sqliteTable(
  "sync_delete_candidates",
  {
    runId: integer("run_id").notNull(),
    taskId: integer("task_id").notNull(),
  },
  (t) => [index("sync_delete_candidates_run_idx").on(t.runId, t.taskId)],
);

// Stored tasks a full listing has shown so far (`run_id` is the listing's id), a JSON array of task ids per page:
// what none of them holds when the listing completes is absent upstream. A side table, so no task row is written
// for a task found unchanged; and a row a page, not a row a task (a 100,000-task listing wrote and then deleted
// 100,000 rows here, each billed on D1).
export const syncSeen = sqliteTable(
  "sync_seen",
  {
    runId: integer("run_id").notNull(),
    taskIds: text("task_ids").notNull(),
  },
  (t) => [index("sync_seen_run_idx").on(t.runId)],
);

// A single row (id = 1): which run holds the sync lease and until when.
// A page's batch starts by renewing the lease with `holder_run_id = CASE … ELSE -1`: the check below then
// fails the whole batch (one transaction) when the run no longer holds the lease, so a zombie writes nothing.
export const syncLock = sqliteTable(
  "sync_lock",
  {
    id: integer("id").primaryKey(),
    holderRunId: integer("holder_run_id"),
    leaseExpiresAt: text("lease_expires_at"),
  },
  (t) => [check("sync_lock_holder_check", sql`${t.holderRunId} is null or ${t.holderRunId} >= 0`)],
);

export type Task = typeof tasks.$inferSelect;
export type SyncRun = typeof syncRuns.$inferSelect;
export type SyncError = typeof syncErrors.$inferSelect;

// Small key/value state an upstream adapter keeps between runs (GitHub: the incremental listing's ETag, the
// last quota for the status card). Keys are namespaced by adapter ("github:…").
export const upstreamState = sqliteTable("upstream_state", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: text("updated_at").notNull(),
});
