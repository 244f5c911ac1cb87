// Queries for sync runs, their errors and the single-row lease; every write that must be atomic is a batch.
import { and, desc, eq, lt, ne, sql } from "drizzle-orm";
import type { Db } from "./client";
import {
  type RunStatus,
  type RunTrigger,
  type SyncError,
  type SyncMode,
  type SyncRun,
  syncDeleteCandidates,
  syncErrors,
  syncLock,
  syncRuns,
  tasks,
} from "./schema";

export type NewError = {
  at: string;
  kind: string;
  message: string;
  httpStatus?: number | null;
  externalId?: string | null;
  rawPayload?: string | null;
  retryable: boolean;
};

export type RunStart = {
  now: string;
  leaseExpiresAt: string;
  trigger: RunTrigger;
  mode: SyncMode;
  retryOf?: number | null;
  cursor?: string | null;
  since?: string | null;
  highWater?: string | null;
  mergeFrom?: string | null;
};

export type AcquireResult =
  | { acquired: true; run: SyncRun }
  | { acquired: false; running: SyncRun | undefined };

/**
 * Takes the lease and creates the run in one batch (one transaction). The insert is conditional on the lease
 * being free or expired, the lock update has the same condition, and any other run still marked `running`
 * (its holder died) is marked `abandoned` — so two callers can never both hold the lease.
 */
export async function acquireLease(db: Db, start: RunStart): Promise<AcquireResult> {
  const free = sql`not exists (select 1 from ${syncLock} where ${syncLock.id} = 1 and ${syncLock.holderRunId} is not null and ${syncLock.leaseExpiresAt} > ${start.now})`;
  const [inserted] = await db.batch([
    db.all<{
      id: number;
    }>(sql`insert into ${syncRuns} (status, "trigger", mode, retry_of, started_at, heartbeat_at, cursor, since, high_water, merge_from)
      select 'running', ${start.trigger}, ${start.mode}, ${start.retryOf ?? null}, ${start.now}, ${start.now}, ${start.cursor ?? null}, ${start.since ?? null}, ${start.highWater ?? null}, ${start.mergeFrom ?? null}
      where ${free} returning id`),
    db.run(sql`update ${syncLock} set holder_run_id = (select max(id) from ${syncRuns}), lease_expires_at = ${start.leaseExpiresAt}
      where id = 1 and (holder_run_id is null or lease_expires_at <= ${start.now})`),
    db.run(sql`update ${syncRuns} set status = 'abandoned', finished_at = ${start.now},
      message = 'Abandoned: its lease expired without a heartbeat (the process running it stopped or hung); the next run took over.'
      where status = 'running' and id <> coalesce((select holder_run_id from ${syncLock} where id = 1), -1)`),
  ]);
  const ours = inserted[0]?.id;
  if (ours !== undefined) return { acquired: true, run: (await getRun(db, ours))! };
  const holder = await currentHolder(db);
  return { acquired: false, running: holder?.status === "running" ? holder : undefined };
}

async function currentHolder(db: Db): Promise<SyncRun | undefined> {
  const [lock] = await db.select().from(syncLock).where(eq(syncLock.id, 1));
  if (!lock?.holderRunId) return undefined;
  return getRun(db, lock.holderRunId);
}

/** The statement that renews the lease; it fails its whole batch (CHECK) when `runId` no longer holds it. */
export function renewLeaseStatement(db: Db, runId: number, leaseExpiresAt: string) {
  return db.run(sql`update ${syncLock} set lease_expires_at = ${leaseExpiresAt},
    holder_run_id = case when holder_run_id = ${runId} then holder_run_id else -1 end where id = 1`);
}

/** True for the error a batch fails with when its run no longer holds the lease (see renewLeaseStatement). */
export function isLeaseLost(err: unknown): boolean {
  const messages = [];
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause)
    messages.push(String((e as Error).message ?? e));
  return messages.some((m) => m.includes("sync_lock_holder_check"));
}

export async function renewLease(db: Db, runId: number, now: string, leaseExpiresAt: string) {
  await db.batch([
    renewLeaseStatement(db, runId, leaseExpiresAt),
    db.update(syncRuns).set({ heartbeatAt: now }).where(eq(syncRuns.id, runId)),
  ]);
}

export type PageCounts = {
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  skipped: number;
  invalid: number;
};

export type Checkpoint = {
  cursor: string | null;
  highWater: string | null;
  mergeFrom: string | null;
  snapshotComplete: boolean;
  attempts: number;
};

/** Advances the run's checkpoint and adds the page's counts; goes in the same batch as the page's rows. */
export function checkpointStatement(db: Db, runId: number, now: string, counts: PageCounts, cp: Checkpoint) {
  return db
    .update(syncRuns)
    .set({
      heartbeatAt: now,
      cursor: cp.cursor,
      highWater: cp.highWater,
      mergeFrom: cp.mergeFrom,
      snapshotComplete: cp.snapshotComplete,
      pages: sql`${syncRuns.pages} + 1`,
      attempts: sql`${syncRuns.attempts} + ${cp.attempts}`,
      fetched: sql`${syncRuns.fetched} + ${counts.fetched}`,
      created: sql`${syncRuns.created} + ${counts.created}`,
      updated: sql`${syncRuns.updated} + ${counts.updated}`,
      unchanged: sql`${syncRuns.unchanged} + ${counts.unchanged}`,
      deleted: sql`${syncRuns.deleted} + ${counts.deleted}`,
      skipped: sql`${syncRuns.skipped} + ${counts.skipped}`,
      invalid: sql`${syncRuns.invalid} + ${counts.invalid}`,
    })
    .where(eq(syncRuns.id, runId));
}

const ERROR_ROWS_PER_STATEMENT = 11; // 9 columns each: stays under D1's 100 bound parameters

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
  }));
  const out = [];
  for (let i = 0; i < rows.length; i += ERROR_ROWS_PER_STATEMENT) {
    out.push(db.insert(syncErrors).values(rows.slice(i, i + ERROR_ROWS_PER_STATEMENT)));
  }
  return out;
}

export type Finish = {
  runId: number;
  now: string;
  status: Exclude<RunStatus, "running">;
  message: string;
  nextAllowedAt?: string | null;
  attempts: number;
  errors: NewError[];
  /** Apply this run's deletion candidates (a complete full snapshot that passed the guard). */
  applyDeletions: boolean;
};

/**
 * Ends a run: optional upstream deletions, the final status, its errors, and the lease release — one batch,
 * guarded by the lease so a run that lost it cannot overwrite the run that took over.
 */
export async function finishRun(db: Db, f: Finish) {
  const statements = [
    renewLeaseStatement(db, f.runId, f.now),
    ...(f.applyDeletions
      ? [
          db.run(sql`update ${tasks} set deleted_at = ${f.now}, deleted_by = 'upstream', updated_at = ${f.now}, last_run_id = ${f.runId}
            where deleted_at is null and id in (select task_id from ${syncDeleteCandidates} where run_id = ${f.runId})`),
          db.run(sql`update ${syncRuns} set deleted = deleted + (select count(*) from ${tasks}
            where last_run_id = ${f.runId} and deleted_by = 'upstream' and deleted_at = ${f.now}) where id = ${f.runId}`),
        ]
      : []),
    ...errorStatements(db, f.runId, f.errors),
    db
      .update(syncRuns)
      .set({
        status: f.status,
        finishedAt: f.now,
        heartbeatAt: f.now,
        message: f.message,
        nextAllowedAt: f.nextAllowedAt ?? null,
        attempts: sql`${syncRuns.attempts} + ${f.attempts}`,
      })
      .where(eq(syncRuns.id, f.runId)),
    db.delete(syncDeleteCandidates).where(eq(syncDeleteCandidates.runId, f.runId)),
    db.update(syncLock).set({ holderRunId: null, leaseExpiresAt: null }).where(eq(syncLock.id, 1)),
  ] as const;
  await db.batch(statements);
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

/** The `updated_since` for the next incremental run: the high-water mark of the last run that finished its listing. */
export async function lastHighWater(db: Db): Promise<string | null> {
  const [row] = await db
    .select({ hw: sql<string | null>`max(${syncRuns.highWater})` })
    .from(syncRuns)
    .where(sql`${syncRuns.snapshotComplete} = 1 and ${syncRuns.status} in ('success', 'partial')`);
  return row?.hw ?? null;
}

/** Marks runs whose lease expired as abandoned, and frees the lease, so no run stays `running` past it. */
export async function reapExpired(db: Db, now: string) {
  await db.batch([
    db.run(sql`update ${syncRuns} set status = 'abandoned', finished_at = ${now},
      message = 'Abandoned: its lease expired without a heartbeat (the process running it stopped or hung).'
      where status = 'running' and id in (select holder_run_id from ${syncLock} where id = 1 and lease_expires_at <= ${now})`),
    db.run(sql`update ${syncLock} set holder_run_id = null, lease_expires_at = null
      where id = 1 and lease_expires_at <= ${now}`),
  ]);
}

export async function countDeleteCandidates(db: Db, runId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(syncDeleteCandidates)
    .where(eq(syncDeleteCandidates.runId, runId));
  return row?.n ?? 0;
}
