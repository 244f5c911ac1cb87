// The single-row sync lease: taken with one conditional batch, renewed by a heartbeat and with every page,
// released when the run ends. A run that lost the lease can write nothing more.
import { eq, sql } from "drizzle-orm";
import type { Db } from "./client";
import { databaseFault } from "./database-faults";
import {
  type RunTrigger,
  type SyncMode,
  type SyncRun,
  syncDeleteCandidates,
  syncLock,
  syncRuns,
  syncSeen,
} from "./schema";
import { getRun } from "./sync-runs";

export type RunStart = {
  now: string;
  leaseExpiresAt: string;
  trigger: RunTrigger;
  mode: SyncMode;
  since?: string | null;
  /** A retry that continues an unfinished listing: the listing it continues and where. */
  resume?: {
    retryOf: number;
    listingId: number;
    /** Null with `listed`: the listing reached its last page, and the retry only ends it. */
    cursor: string | null;
    listed: boolean;
    highWater: string | null;
    baseTaskId: number;
    baseActive: number;
  } | null;
  retryOf?: number | null;
  /** A note the run starts with (kept in its message until it ends). */
  note?: string | null;
};

export type AcquireResult =
  | { acquired: true; run: SyncRun }
  | { acquired: false; running: SyncRun | undefined };

const ABANDONED =
  "Abandoned: its lease expired without a heartbeat (the process running it stopped or hung); the next run took over.";

/**
 * Takes the lease and creates the run in one batch (one transaction). The insert is conditional on the lease
 * being free or expired, the lock update has the same condition, any other run still marked `running` (its
 * holder died) is marked `abandoned`, and markers of listings other than the holder's are dropped — so two
 * callers can never both hold the lease, and an abandoned listing leaves nothing behind.
 */
export async function acquireLease(db: Db, start: RunStart): Promise<AcquireResult> {
  const free = sql`not exists (select 1 from ${syncLock} where ${syncLock.id} = 1 and ${syncLock.holderRunId} is not null and ${syncLock.leaseExpiresAt} > ${start.now})`;
  const r = start.resume ?? null;
  // What existed before the listing began: larger ids are the listing's own creations, never absent.
  const baseTaskId = r ? sql`${r.baseTaskId}` : sql`(select coalesce(max(id), 0) from tasks)`;
  // Live tasks as all minus deleted: SQLite counts a whole index without reading its rows, and the deleted ones
  // from their partial index (100,000 tasks: 0.6 ms, against 5.9 ms testing every row's deleted_at).
  const baseActive = r
    ? sql`${r.baseActive}`
    : sql`((select count(*) from tasks) - (select count(*) from tasks where deleted_at is not null))`;
  const holderListing = sql`(select coalesce(listing_id, id) from ${syncRuns} where id = (select holder_run_id from ${syncLock} where id = 1))`;
  const [inserted] = await db.batch([
    db.all<{ id: number }>(sql`insert into ${syncRuns}
        (status, "trigger", mode, retry_of, started_at, heartbeat_at, cursor, snapshot_complete, since, high_water, listing_id, base_task_id, base_active, message)
      select 'running', ${start.trigger}, ${start.mode}, ${r?.retryOf ?? start.retryOf ?? null}, ${start.now}, ${start.now},
        ${r?.cursor ?? null}, ${r?.listed ? 1 : 0}, ${start.since ?? null}, ${r?.highWater ?? null}, ${r?.listingId ?? null}, ${baseTaskId}, ${baseActive}, ${start.note ?? null}
      where ${free} returning id`),
    db.run(sql`update ${syncLock} set holder_run_id = (select max(id) from ${syncRuns}), lease_expires_at = ${start.leaseExpiresAt}
      where id = 1 and (holder_run_id is null or lease_expires_at <= ${start.now})`),
    db.run(sql`update ${syncRuns} set status = 'abandoned', finished_at = ${start.now}, message = ${ABANDONED}, live_retry = null
      where status = 'running' and id <> coalesce((select holder_run_id from ${syncLock} where id = 1), -1)`),
    db.run(sql`delete from ${syncSeen} where run_id is not ${holderListing}`),
    db.run(sql`delete from ${syncDeleteCandidates} where run_id is not ${holderListing}`),
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

/**
 * The statement that renews the lease; it fails its whole batch (CHECK) when `runId` no longer holds it, or,
 * given `atPages`, when the run's checkpoint has moved since the caller read it (a replayed slice). It never moves
 * the expiry earlier: a heartbeat that commits just after the run took a long hold to wait out a rate limit
 * (holdLeaseStatements) would cut the hold to one lease, and the run be reaped as abandoned while it waits.
 */
export function renewLeaseStatement(db: Db, runId: number, leaseExpiresAt: string, atPages?: number) {
  const checkpoint =
    atPages === undefined ? sql`1` : sql`(select pages from ${syncRuns} where id = ${runId}) = ${atPages}`;
  return db.run(sql`update ${syncLock} set lease_expires_at = max(coalesce(lease_expires_at, ''), ${leaseExpiresAt}),
    holder_run_id = case when holder_run_id = ${runId} and ${checkpoint} then holder_run_id else -1 end where id = 1`);
}

/** Whether `runId` still holds the lease and is running. */
export async function stillHolds(db: Db, runId: number): Promise<boolean> {
  const rows = await db.all<{
    n: number;
  }>(sql`select count(*) n from ${syncLock} l join ${syncRuns} r on r.id = l.holder_run_id
    where l.id = 1 and l.holder_run_id = ${runId} and r.status = 'running'`);
  return (rows[0]?.n ?? 0) > 0;
}

/** Holds the lease (and stamps the run) until `until`: a run waiting out a rate limit between slices. */
export function holdLeaseStatements(db: Db, runId: number, now: string, until: string) {
  return [
    renewLeaseStatement(db, runId, until),
    db.update(syncRuns).set({ heartbeatAt: now }).where(eq(syncRuns.id, runId)),
  ];
}

/** True for the error a batch fails with when its run no longer holds the lease (see renewLeaseStatement). */
export function isLeaseLost(err: unknown): boolean {
  const messages = [];
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause)
    messages.push(String((e as Error).message ?? e));
  return messages.some((m) => m.includes("sync_lock_holder_check"));
}

/** The heartbeat: extends the lease and stamps the run; throws (isLeaseLost) when the run no longer holds it. */
export async function renewLease(db: Db, runId: number, now: string, leaseExpiresAt: string) {
  await db.batch([
    renewLeaseStatement(db, runId, leaseExpiresAt),
    db.update(syncRuns).set({ heartbeatAt: now }).where(eq(syncRuns.id, runId)),
  ]);
}

/** Marks runs whose lease expired as abandoned, and frees the lease, so no run stays `running` past it. */
export async function reapExpired(db: Db, now: string) {
  await db.batch([
    db.run(sql`update ${syncRuns} set status = 'abandoned', finished_at = ${now}, live_retry = null,
      message = 'Abandoned: its lease expired without a heartbeat (the process running it stopped or hung).'
      where status = 'running' and id in (select holder_run_id from ${syncLock} where id = 1 and lease_expires_at <= ${now})`),
    db.run(sql`update ${syncLock} set holder_run_id = null, lease_expires_at = null
      where id = 1 and lease_expires_at <= ${now}`),
  ]);
}

/**
 * Reaps only when a read finds the lease expired, so status polls and run history write nothing: a read that
 * wrote could meet a lock, and on D1 each poll would cost a write transaction.
 */
export async function reapIfExpired(db: Db, now: string): Promise<void> {
  const [lock] = await db
    .select({ holder: syncLock.holderRunId, expiresAt: syncLock.leaseExpiresAt })
    .from(syncLock)
    .where(eq(syncLock.id, 1));
  if (lock?.holder == null || lock.expiresAt == null || lock.expiresAt > now) return;
  try {
    await reapExpired(db, now);
  } catch (err) {
    // The read still answers what it read when the database refuses the write (another process holds the lock, the
    // disk is full, the file is read-only): a later read, run or cron tick marks the run abandoned.
    if (!databaseFault(err)) throw err;
  }
}
