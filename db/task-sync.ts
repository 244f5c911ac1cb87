// The task reads and writes the sync engine needs, chunked to the driver's bound-parameter limit.
import { sql } from "drizzle-orm";
import type { Db } from "./client";
import { type TaskStatus, tasks } from "./schema";

export type StoredTask = {
  id: number;
  externalId: string;
  title: string;
  status: TaskStatus;
  remoteUpdatedAt: string;
  sourceUrl: string | null;
  deletedAt: string | null;
  deletedBy: "user" | "upstream" | null;
};

export type TaskWrite = {
  externalId: string;
  title: string;
  status: TaskStatus;
  remoteUpdatedAt: string;
  createdAt: string;
  updatedAt: string;
  lastRunId: number;
  /** Where the task is seen upstream (GitHub's html_url), or null. */
  sourceUrl: string | null;
  /**
   * The user deletion this write was planned against (its `deleted_at`), or null when the row was not deleted
   * by a user when read. The upsert revives a user-deleted row only if it is still that same deletion.
   */
  seenUserDeletion: string | null;
};

/** Rows per statement: each statement carries its rows as one JSON parameter, kept well under D1's 100 KB. */
const ROWS_PER_STATEMENT = 200;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Ids a read answers about per JSON value. A stored task's fields are bounded (id 200 and title 500 characters;
 * its link by the record's 16 KiB, or 2,000 characters from GitHub), so its JSON is at most ~17 KB even with
 * every character escaped, and a group's value stays well under D1's 2 MB limit on a string.
 */
const IDS_PER_GROUP = 64;

type GroupOfRows = { rows: string };

type StoredCells = [
  number,
  string,
  string,
  TaskStatus,
  string,
  string | null,
  string | null,
  StoredTask["deletedBy"],
];

const storedTask = ([
  id,
  externalId,
  title,
  status,
  remoteUpdatedAt,
  sourceUrl,
  deletedAt,
  deletedBy,
]: StoredCells) =>
  ({ id, externalId, title, status, remoteUpdatedAt, sourceUrl, deletedAt, deletedBy }) satisfies StoredTask;

/**
 * The stored state of a page's ids in one query: the ids travel as one JSON parameter (`json_each`), so a page
 * costs one read whatever D1's 100-parameter limit. The rows come back as JSON too, one value per group of ids:
 * libSQL's driver builds an object per row and column (a 500-row page took ~3.5 ms that way, ~0.8 ms as JSON), so
 * a full sync over stored tasks was paced by this read.
 */
export async function loadByExternalIds(db: Db, ids: string[]): Promise<Map<string, StoredTask>> {
  const found = new Map<string, StoredTask>();
  if (ids.length === 0) return found;
  const groups =
    await db.all<GroupOfRows>(sql`select json_group_array(json_array(t.id, t.external_id, t.title,
      t.status, t.remote_updated_at, t.source_url, t.deleted_at, t.deleted_by)) as rows
    from json_each(${JSON.stringify(chunks(ids, IDS_PER_GROUP))}) g, json_each(g.value) e, ${tasks} t
    where t.external_id = e.value group by g.key`);
  for (const group of groups) {
    for (const cells of JSON.parse(group.rows) as StoredCells[]) found.set(cells[1], storedTask(cells));
  }
  return found;
}

// Content unchanged and the row live: only upstream's version stamp moves; `updated_at` (what users sort by)
// and `last_run_id` stay, so "recently changed" keeps meaning a change someone can see.
const versionOnly = sql.raw(
  "tasks.title = excluded.title and tasks.status = excluded.status and tasks.deleted_at is null",
);
// A user deletion other than the one the write was planned against (made after the sync read the row): it holds.
const newerUserDeletion = sql.raw(
  "tasks.deleted_by = 'user' and tasks.deleted_at is not excluded.deleted_at",
);

/**
 * Upserts, a few hundred rows a statement as one JSON parameter. A new external id inserts; a known one takes the
 * new content and version. Revival of a deleted row is decided here, in the same statement, not from the earlier
 * read: a user deletion made after the sync read the row (another process, another isolate) is kept, with the
 * new version recorded so the next sync does not take the version change as a reason to bring the task back.
 * The write's `seenUserDeletion` travels in the insert's deleted_at for the conflict clause to compare (a new
 * row is never deleted: nobody can delete a task before the sync has stored it).
 */
export function upsertStatements(db: Db, rows: TaskWrite[]) {
  return chunks(rows, ROWS_PER_STATEMENT).map((part) => {
    const json = JSON.stringify(
      part.map((r) => [
        r.externalId,
        r.title,
        r.status,
        r.remoteUpdatedAt,
        r.createdAt,
        r.updatedAt,
        r.lastRunId,
        r.seenUserDeletion,
        r.sourceUrl,
      ]),
    );
    return db.run(sql`insert into ${tasks} (external_id, title, status, remote_updated_at, created_at,
        updated_at, last_run_id, deleted_at, source_url)
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7,
        value ->> 8
      from json_each(${json}) where true
      on conflict (external_id) do update set
        title = excluded.title, status = excluded.status, remote_updated_at = excluded.remote_updated_at,
        source_url = excluded.source_url,
        updated_at = case when ${versionOnly} then tasks.updated_at else excluded.updated_at end,
        last_run_id = case when ${versionOnly} then tasks.last_run_id else excluded.last_run_id end,
        deleted_at = case when ${newerUserDeletion} then tasks.deleted_at else null end,
        deleted_by = case when ${newerUserDeletion} then 'user' else null end`);
  });
}
