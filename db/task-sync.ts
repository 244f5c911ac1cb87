// The task reads and writes the sync engine needs, chunked to the driver's bound-parameter limit.
import { inArray, sql } from "drizzle-orm";
import type { Db } from "./client";
import { type TaskStatus, tasks } from "./schema";

/** D1 refuses statements with more than 100 bound parameters; libSQL takes 32,766. */
export const MAX_PARAMS = { d1: 100, libsql: 32_000 } as const;

export type StoredTask = {
  id: number;
  externalId: string;
  contentHash: string;
  remoteUpdatedAt: string;
  deletedAt: string | null;
  deletedBy: "user" | "upstream" | null;
};

export type TaskWrite = {
  externalId: string;
  title: string;
  status: TaskStatus;
  remoteUpdatedAt: string;
  contentHash: string;
  createdAt: string;
  updatedAt: string;
  lastRunId: number;
  /**
   * The user deletion this write was planned against (its `deleted_at`), or null when the row was not deleted
   * by a user when read. The upsert revives a user-deleted row only if it is still that same deletion.
   */
  seenUserDeletion: string | null;
};

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function loadByExternalIds(
  db: Db,
  ids: string[],
  maxParams: number,
): Promise<Map<string, StoredTask>> {
  const found = new Map<string, StoredTask>();
  const parts = await Promise.all(
    chunks(ids, maxParams).map((part) =>
      db
        .select({
          id: tasks.id,
          externalId: tasks.externalId,
          contentHash: tasks.contentHash,
          remoteUpdatedAt: tasks.remoteUpdatedAt,
          deletedAt: tasks.deletedAt,
          deletedBy: tasks.deletedBy,
        })
        .from(tasks)
        .where(inArray(tasks.externalId, part)),
    ),
  );
  for (const rows of parts) for (const row of rows) found.set(row.externalId, row);
  return found;
}

const TASK_WRITE_COLUMNS = 9;

// Content unchanged and the row live: only upstream's version stamp moves; `updated_at` (what users sort by)
// and `last_run_id` stay, so "recently changed" keeps meaning a change someone can see.
const versionOnly = sql`tasks.content_hash = excluded.content_hash and tasks.deleted_at is null`;
// A user deletion other than the one the write was planned against (made after the sync read the row): it holds.
const newerUserDeletion = sql`tasks.deleted_by = 'user' and tasks.deleted_at is not excluded.deleted_at`;

/**
 * Multi-row upserts. A new external id inserts; a known one takes the new content and version. The revival of a
 * deleted row is decided here, in the same statement, not from the earlier read: a user deletion that happened
 * after the sync read the row (another process, another isolate) is kept, with the new version recorded so the
 * next sync does not take the version change as a reason to bring the task back.
 */
export function upsertStatements(db: Db, rows: TaskWrite[], maxParams: number) {
  return chunks(rows, Math.floor(maxParams / TASK_WRITE_COLUMNS)).map((part) =>
    db
      .insert(tasks)
      .values(
        part.map(({ seenUserDeletion, ...row }) => ({
          ...row,
          // Carried in the insert's deleted_at so the conflict clause can compare it (a new row is never deleted:
          // nobody can delete a task before the sync has stored it).
          deletedAt: seenUserDeletion,
        })),
      )
      .onConflictDoUpdate({
        target: tasks.externalId,
        set: {
          title: sql`excluded.title`,
          status: sql`excluded.status`,
          remoteUpdatedAt: sql`excluded.remote_updated_at`,
          contentHash: sql`excluded.content_hash`,
          updatedAt: sql`case when ${versionOnly} then tasks.updated_at else excluded.updated_at end`,
          lastRunId: sql`case when ${versionOnly} then tasks.last_run_id else excluded.last_run_id end`,
          deletedAt: sql`case when ${newerUserDeletion} then tasks.deleted_at else null end`,
          deletedBy: sql`case when ${newerUserDeletion} then 'user' else null end`,
        },
      }),
  );
}
