// Queries for sync runs: their checkpoints, errors, final state and history; every atomic write is one batch.
import { and, desc, eq, lt, ne, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./client";
import { renewLeaseStatement } from "./lease";
import { type RunStatus, type SyncError, type SyncRun, syncErrors, syncLock, syncRuns } from "./schema";

export type NewError = {
  at: string;
  kind: string;
  message: string;
  httpStatus?: number | null;
  externalId?: string | null;
  rawPayload?: string | null;
  retryable: boolean;
  /** Set for quarantined records: the same payload is kept once, under the latest run that saw it. */
  fingerprint?: string | null;
};

export type PageCounts = {
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  skipped: number;
  invalid: number;
};

/** Counts of nothing yet, to add pages' counts to. */
export function noCounts(): PageCounts {
  return { fetched: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, skipped: 0, invalid: 0 };
}

export type Checkpoint = {
  /** Pages the batch commits. */
  pages: number;
  cursor: string | null;
  /** The listing's watermark (set by its first page). */
  highWater: string | null;
  cursorTrail: string | null;
  snapshotComplete: boolean;
  attempts: number;
  ignored: number;
};

/**
 * Sets (or, with null, clears) the running run's retry in progress: one statement, a no-op unless the run is still
 * running and holds the lease, so a slice that lost it, or one whose run has ended, writes nothing.
 */
export function liveRetryStatement(db: Db, runId: number, value: string | null) {
  return db.run(sql`update ${syncRuns} set live_retry = ${value}
    where id = ${runId} and status = 'running'
      and exists (select 1 from ${syncLock} where id = 1 and holder_run_id = ${runId})`);
}

/** Advances the run's checkpoint and adds the pages' counts; goes in the same batch as the pages' rows. */
export function checkpointStatement(db: Db, runId: number, now: string, counts: PageCounts, cp: Checkpoint) {
  return db
    .update(syncRuns)
    .set({
      heartbeatAt: now,
      cursor: cp.cursor,
      highWater: cp.highWater,
      cursorTrail: cp.cursorTrail,
      snapshotComplete: cp.snapshotComplete,
      pages: sql`${syncRuns.pages} + ${cp.pages}`,
      attempts: sql`${syncRuns.attempts} + ${cp.attempts}`,
      fetched: sql`${syncRuns.fetched} + ${counts.fetched}`,
      created: sql`${syncRuns.created} + ${counts.created}`,
      updated: sql`${syncRuns.updated} + ${counts.updated}`,
      unchanged: sql`${syncRuns.unchanged} + ${counts.unchanged}`,
      deleted: sql`${syncRuns.deleted} + ${counts.deleted}`,
      skipped: sql`${syncRuns.skipped} + ${counts.skipped}`,
      invalid: sql`${syncRuns.invalid} + ${counts.invalid}`,
      ignored: sql`${syncRuns.ignored} + ${cp.ignored}`,
    })
    .where(eq(syncRuns.id, runId));
}

const ERROR_ROWS_PER_STATEMENT = 10; // 10 columns each: stays under D1's 100 bound parameters

/** Inserts errors; a quarantined payload seen before moves to this run instead of being stored again. */
export function errorStatements(db: Db, runId: number, errors: NewError[]) {
  const rows = errors.map((e) => ({
    runId,
    at: e.at,
    kind: e.kind,
    message: e.message,
    httpStatus: e.httpStatus ?? null,
    externalId: e.externalId ?? null,
    rawPayload: e.rawPayload ?? null,
    retryable: e.retryable,
    fingerprint: e.fingerprint ?? null,
  }));
  const out = [];
  for (let i = 0; i < rows.length; i += ERROR_ROWS_PER_STATEMENT) {
    out.push(
      db
        .insert(syncErrors)
        .values(rows.slice(i, i + ERROR_ROWS_PER_STATEMENT))
        .onConflictDoUpdate({
          target: syncErrors.fingerprint,
          targetWhere: sql`fingerprint is not null`,
          set: { runId: sql`excluded.run_id`, at: sql`excluded.at`, message: sql`excluded.message` },
        }),
    );
  }
  return out;
}

export type Finish = {
  runId: number;
  now: string;
  status: Exclude<RunStatus, "running">;
  /** SQL when it takes a number from the run's row as the batch leaves it (concludeListing's deleted count). */
  message: string | SQL;
  nextAllowedAt?: string | null;
  attempts: number;
  errors: NewError[];
  /**
   * Statements that apply the run's deletions (a guarded, complete listing), or keep the confirmations a deferred
   * end of a listing was given (see keepAnswers in sync/deletions.ts); empty otherwise.
   */
  deletions: BatchItem<"sqlite">[];
  /** Statements that drop the listing's markers once nothing can continue it. */
  cleanup: BatchItem<"sqlite">[];
  /** Replaces the run's watermark (an incremental listing that brought nothing keeps the previous one). */
  highWater?: string | null;
  /** Retention: errors older than `errors` and runs finished before `runs` are deleted (expiredRunStatements). */
  before: { errors: string; runs: string };
};

/** The statuses a run whose listing completed can end with (a failure after the last page is not trusted). */
const LISTING_STATUSES = ["success", "partial"] as const;
/** A run's listing reached its last page and left a watermark; with LISTING_STATUSES, a complete listing. */
const listingCompleted = sql`${syncRuns.snapshotComplete} = 1 and ${syncRuns.highWater} is not null`;

/**
 * The id of the latest run whose listing completed with a watermark (0 if none), below `beforeRunId` when given:
 * where incremental syncs continue (lastWatermark). One backward walk of the (status, id) index per status that
 * can complete a listing, so it reads a few runs however long the history is (an IN over both statuses read
 * all of them and sorted them).
 */
function latestCompleteListing(beforeRunId?: number): SQL {
  const below = beforeRunId ? sql` and ${syncRuns.id} < ${beforeRunId}` : sql``;
  const latest = (status: (typeof LISTING_STATUSES)[number]) =>
    sql`coalesce((select ${syncRuns.id} from ${syncRuns} where ${syncRuns.status} = ${status}
      and ${listingCompleted}${below} order by ${syncRuns.id} desc limit 1), 0)`;
  return sql`max(${latest("success")}, ${latest("partial")})`;
}

/**
 * Runs that finished before `before`, except two the service still reads however old they are: the latest
 * success (the status's `last_success_at`) and the latest complete listing (lastWatermark). A running run has no
 * finished_at, and the one finishing now is not old.
 */
function expiredRuns(before: string) {
  const latestSuccess = sql`coalesce((select ${syncRuns.id} from ${syncRuns} where ${syncRuns.status} = 'success'
    order by ${syncRuns.id} desc limit 1), 0)`;
  return sql`select ${syncRuns.id} from ${syncRuns} where ${syncRuns.finishedAt} < ${before}
    and ${syncRuns.id} <> ${latestSuccess} and ${syncRuns.id} <> ${latestCompleteListing()}`;
}

/** Deletes the expired runs (expiredRuns) and their errors: the run history stays bounded by age. */
export function expiredRunStatements(db: Db, before: string) {
  return [
    db.run(sql`delete from ${syncErrors} where run_id in (${expiredRuns(before)})`),
    db.run(sql`delete from ${syncRuns} where id in (${expiredRuns(before)})`),
  ];
}

/**
 * Ends a run: its deletions, the final status, its errors, retention and the lease release — one batch, guarded
 * by the lease so a run that lost it cannot overwrite the run that took over. Says how many statements it ran.
 */
export async function finishRun(db: Db, f: Finish): Promise<number> {
  const statements: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]] = [
    renewLeaseStatement(db, f.runId, f.now),
    ...f.deletions,
    ...errorStatements(db, f.runId, f.errors),
    db
      .update(syncRuns)
      .set({
        status: f.status,
        finishedAt: f.now,
        heartbeatAt: f.now,
        message: f.message,
        nextAllowedAt: f.nextAllowedAt ?? null,
        liveRetry: null,
        attempts: sql`${syncRuns.attempts} + ${f.attempts}`,
        ...(f.highWater !== undefined ? { highWater: f.highWater } : {}),
      })
      .where(eq(syncRuns.id, f.runId)),
    ...f.cleanup,
    db.run(sql`delete from ${syncErrors} where at < ${f.before.errors}`),
    ...expiredRunStatements(db, f.before.runs),
    db.update(syncLock).set({ holderRunId: null, leaseExpiresAt: null }).where(eq(syncLock.id, 1)),
  ];
  await db.batch(statements);
  return statements.length;
}

/** A run's counts as one object (the API's `counts`, the "sync finished" log line). */
export function runCounts(run: SyncRun) {
  return {
    fetched: run.fetched,
    created: run.created,
    updated: run.updated,
    unchanged: run.unchanged,
    deleted: run.deleted,
    skipped: run.skipped,
    invalid: run.invalid,
    ignored: run.ignored,
  };
}

/** How long a finished run took, in ms; null while it runs. */
export function runDurationMs(run: SyncRun): number | null {
  return run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null;
}

export async function getRun(db: Db, id: number): Promise<SyncRun | undefined> {
  const [run] = await db.select().from(syncRuns).where(eq(syncRuns.id, id));
  return run;
}

export async function latestRun(db: Db): Promise<SyncRun | undefined> {
  const [run] = await db.select().from(syncRuns).orderBy(desc(syncRuns.id)).limit(1);
  return run;
}

export async function listRuns(db: Db, limit: number, beforeId?: number): Promise<SyncRun[]> {
  return db
    .select()
    .from(syncRuns)
    .where(beforeId ? lt(syncRuns.id, beforeId) : undefined)
    .orderBy(desc(syncRuns.id))
    .limit(limit);
}

export async function runErrors(
  db: Db,
  runId: number,
  limit = 50,
): Promise<{ rows: SyncError[]; total: number }> {
  const [rows, [count]] = await Promise.all([
    db.select().from(syncErrors).where(eq(syncErrors.runId, runId)).orderBy(desc(syncErrors.id)).limit(limit),
    db.select({ n: sql<number>`count(*)` }).from(syncErrors).where(eq(syncErrors.runId, runId)),
  ]);
  return { rows, total: count?.n ?? 0 };
}

export async function lastSuccessAt(db: Db): Promise<string | null> {
  const [row] = await db
    .select({ at: syncRuns.finishedAt })
    .from(syncRuns)
    .where(eq(syncRuns.status, "success"))
    .orderBy(desc(syncRuns.id))
    .limit(1);
  return row?.at ?? null;
}

/** Finished runs since the last success that did not succeed (partial counts: some work was lost). */
export async function consecutiveFailures(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(syncRuns)
    .where(
      and(
        ne(syncRuns.status, "running"),
        ne(syncRuns.status, "success"),
        sql`${syncRuns.id} > coalesce((select max(id) from ${syncRuns} where status = 'success'), 0)`,
      ),
    );
  return row?.n ?? 0;
}

/**
 * The watermark the next incremental run continues from: the one of the latest run that completed its listing
 * (not the largest ever, so a mark that was wrong once does not stick), before `beforeRunId` when given.
 */
export async function lastWatermark(db: Db, beforeRunId?: number): Promise<string | null> {
  const [row] = await db
    .select({ mark: syncRuns.highWater })
    .from(syncRuns)
    .where(sql`${syncRuns.id} = ${latestCompleteListing(beforeRunId)}`);
  return row?.mark ?? null;
}

const fullRuns = sql`${syncRuns} indexed by sync_runs_full_idx where ${syncRuns.mode} = 'full'`;

/** The statement behind fullListingTimes; exported so a test can pin its plan. */
export const fullListingTimesQuery = sql`select
  (select ${syncRuns.startedAt} from ${fullRuns} order by ${syncRuns.id} desc limit 1) as attempt_at,
  (select ${syncRuns.startedAt} from ${fullRuns} and ${listingCompleted}
    and ${syncRuns.status} in ${LISTING_STATUSES} order by ${syncRuns.id} desc limit 1) as complete_at`;

/**
 * When (by our clock) the latest full listing's run started, and the latest complete one's; null when there is
 * none. A scheduled sync is a full one once the complete one is SYNC_FULL_EVERY_HOURS old (see scheduledMode).
 */
export async function fullListingTimes(
  db: Db,
): Promise<{ attemptAt: string | null; completeAt: string | null }> {
  const [row] = await db.all<{ attempt_at: string | null; complete_at: string | null }>(
    fullListingTimesQuery,
  );
  return { attemptAt: row?.attempt_at ?? null, completeAt: row?.complete_at ?? null };
}

/** Which of `fingerprints` run `runId` has quarantined (a repeated payload is kept once). */
export async function quarantinedBy(db: Db, runId: number, fingerprints: string[]): Promise<string[]> {
  const rows = await db.all<{ fingerprint: string }>(sql`select fingerprint from ${syncErrors}
    where fingerprint in (select value from json_each(${JSON.stringify(fingerprints)})) and run_id = ${runId}`);
  return rows.map((r) => r.fingerprint);
}

/** Records a listing fetched over all its runs: a retry that resumes a listing continues it in a run of its own. */
export async function listingFetched(db: Db, listingId: number): Promise<number> {
  const ofListing = sql`${syncRuns.id} = ${listingId} or ${syncRuns.listingId} = ${listingId}`;
  const [row] = await db.all<{ n: number }>(
    sql`select coalesce(sum(${syncRuns.fetched}), 0) n from ${syncRuns} where ${ofListing}`,
  );
  return row?.n ?? 0;
}

/** The message of the error that stopped a run because of our database (kind `database`), if one did. */
export async function databaseErrorOf(db: Db, runId: number): Promise<string | undefined> {
  const [row] = await db.all<{ message: string }>(
    sql`select message from ${syncErrors} where run_id = ${runId} and kind = 'database' limit 1`,
  );
  return row?.message;
}
