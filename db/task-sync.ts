// The task reads and writes the sync engine needs, chunked to the driver's bound-parameter limit.
import { and, gt, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "./client";
import { syncDeleteCandidates, type TaskStatus, tasks } from "./schema";

/** D1 refuses statements with more than 100 bound parameters; libSQL takes 32,766. */
export const MAX_PARAMS = { d1: 100, libsql: 32_000 } as const;

export type StoredTask = {
  id: number;
  externalId: string;
  contentHash: string;
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

/** Live tasks whose external id lies in (after, upTo]; `upTo` null means "to the end". */
export async function liveTasksInRange(db: Db, after: string | null, upTo: string | null) {
  return db
    .select({ id: tasks.id, externalId: tasks.externalId })
    .from(tasks)
    .where(
      and(
        isNull(tasks.deletedAt),
        after === null ? undefined : gt(tasks.externalId, after),
        upTo === null ? undefined : lte(tasks.externalId, upTo),
      ),
    );
}

const TASK_WRITE_COLUMNS = 8;

/** Multi-row upserts: a new external id inserts, a known one takes the new content and is revived. */
export function upsertStatements(db: Db, rows: TaskWrite[], maxParams: number) {
  return chunks(rows, Math.floor(maxParams / TASK_WRITE_COLUMNS)).map((part) =>
    db
      .insert(tasks)
      .values(part)
      .onConflictDoUpdate({
        target: tasks.externalId,
        set: {
          title: sql`excluded.title`,
          status: sql`excluded.status`,
          remoteUpdatedAt: sql`excluded.remote_updated_at`,
          contentHash: sql`excluded.content_hash`,
          updatedAt: sql`excluded.updated_at`,
          lastRunId: sql`excluded.last_run_id`,
          deletedAt: null,
          deletedBy: null,
        },
      }),
  );
}

export function markDeletedStatements(db: Db, ids: number[], now: string, runId: number, maxParams: number) {
  return chunks(ids, maxParams - 4).map((part) =>
    db
      .update(tasks)
      .set({ deletedAt: now, deletedBy: "upstream", updatedAt: now, lastRunId: runId })
      .where(inArray(tasks.id, part)),
  );
}

export function deleteCandidateStatements(db: Db, runId: number, taskIds: number[], maxParams: number) {
  return chunks(taskIds, Math.floor(maxParams / 2)).map((part) =>
    db.insert(syncDeleteCandidates).values(part.map((taskId) => ({ runId, taskId }))),
  );
}

export async function activeTaskCount(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(tasks).where(isNull(tasks.deletedAt));
  return row?.n ?? 0;
}
