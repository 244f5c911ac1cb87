// Deletions found by a listing, decided in SQL so the stored set is never loaded into memory: full listings
// mark the stored tasks they show (sync_seen, a row a page), tombstones queue candidates, and the end of the
// listing counts what would go, lets the guard decide, then applies it in the run's final batch.
import { sql } from "drizzle-orm";
import type { Db } from "./client";
import { syncDeleteCandidates, syncRuns, syncSeen, tasks } from "./schema";

export type ListingScope = {
  runId: number;
  listingId: number;
  /** Tasks with a larger id were created during the listing and are never absent from it. */
  baseTaskId: number;
  /** Absence counts: a full listing whose stored tasks are found by `listing` (not confirmed one by one). */
  absence: boolean;
};

const IDS_PER_STATEMENT = 5000;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// Task ids travel as one JSON parameter per statement (`json_each`): one statement per page, whatever D1's
// 100-parameter limit.
const idList = (ids: number[]) => sql`(select value from json_each(${JSON.stringify(ids)}))`;

/** Marks stored tasks a full listing showed, a row per page; re-marking (a replayed page) is harmless. */
export function seenStatements(db: Db, listingId: number, taskIds: number[]) {
  return chunks(taskIds, IDS_PER_STATEMENT).map((part) =>
    db.run(sql`insert into ${syncSeen} (run_id, task_ids) values (${listingId}, ${JSON.stringify(part)})`),
  );
}

/** Queues tasks upstream tombstoned; applied with the guard when the listing ends. */
export function tombstoneStatements(db: Db, listingId: number, taskIds: number[]) {
  return chunks(taskIds, IDS_PER_STATEMENT).map((part) =>
    db.run(
      sql`insert into ${syncDeleteCandidates} (run_id, task_id) select ${listingId}, value from json_each(${JSON.stringify(part)})`,
    ),
  );
}

/** Whether the listing has queued tombstones (an earlier slice's, or the listing a retry resumes). */
export async function hasCandidates(db: Db, listingId: number): Promise<boolean> {
  const rows = await db.all<{ n: number }>(
    sql`select 1 n from ${syncDeleteCandidates} where run_id = ${listingId} limit 1`,
  );
  return rows.length > 0;
}

/** A task listed live after its tombstone in the same listing is no longer a candidate (the later entry wins). */
export function untombstoneStatements(db: Db, listingId: number, taskIds: number[]) {
  return chunks(taskIds, IDS_PER_STATEMENT).map((part) =>
    db.run(
      sql`delete from ${syncDeleteCandidates} where run_id = ${listingId} and task_id in ${idList(part)}`,
    ),
  );
}

/** The live tasks the listing would delete: its tombstones, plus (full listings) the stored tasks it did not show. */
function doomed(scope: ListingScope) {
  const tombstoned = sql`t.id in (select task_id from ${syncDeleteCandidates} where run_id = ${scope.listingId})`;
  if (!scope.absence) return sql`t.deleted_at is null and ${tombstoned}`;
  // The seen ids are gathered once into a set the scan looks each task up in (the subquery is not correlated).
  const seen = sql`select e.value from ${syncSeen} s, json_each(s.task_ids) e where s.run_id = ${scope.listingId}`;
  const absent = sql`t.id <= ${scope.baseTaskId} and t.id not in (${seen})`;
  return sql`t.deleted_at is null and (${tombstoned} or (${absent}))`;
}

export async function countDoomed(db: Db, scope: ListingScope): Promise<number> {
  const [row] = await db.all<{ n: number }>(sql`select count(*) n from ${tasks} t where ${doomed(scope)}`);
  return row?.n ?? 0;
}

/** Stored live tasks a complete listing did not show, at most `limit`, for an upstream that confirms each one. */
export async function absentTasks(
  db: Db,
  scope: ListingScope,
  limit: number,
): Promise<{ id: number; externalId: string }[]> {
  return db.all<{
    id: number;
    externalId: string;
  }>(sql`select t.id id, t.external_id externalId from ${tasks} t
    where ${doomed({ ...scope, absence: true })} and t.id not in (select task_id from ${syncDeleteCandidates} where run_id = ${scope.listingId})
    order by t.id limit ${limit}`);
}

/** Soft-deletes what the listing dooms and adds the number deleted to the run's count (for its final batch). */
export function applyDeletionStatements(db: Db, scope: ListingScope, now: string) {
  return [
    db.run(sql`update ${tasks} as t set deleted_at = ${now}, deleted_by = 'upstream', updated_at = ${now}, last_run_id = ${scope.runId}
      where ${doomed(scope)}`),
    db.run(sql`update ${syncRuns} set deleted = deleted + (select count(*) from ${tasks}
      where last_run_id = ${scope.runId} and deleted_by = 'upstream' and deleted_at = ${now}) where id = ${scope.runId}`),
  ];
}

/** Drops a listing's markers once nothing can continue it. */
export function clearListingStatements(db: Db, listingId: number) {
  return [
    db.run(sql`delete from ${syncSeen} where run_id = ${listingId}`),
    db.run(sql`delete from ${syncDeleteCandidates} where run_id = ${listingId}`),
  ];
}
