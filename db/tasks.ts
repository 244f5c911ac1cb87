// Task queries for the API: filtered keyset pages, counts, and the user's soft delete and restore.
import { and, asc, count, desc, eq, gt, isNotNull, isNull, lt, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { type TaskStatus, tasks } from "./schema";

export const TASK_SORTS = [
  "-updated_at",
  "updated_at",
  "title",
  "-title",
  "external_id",
  "-external_id",
] as const;
export type TaskSort = (typeof TASK_SORTS)[number];

export const DELETED_FILTERS = ["exclude", "include", "only"] as const;
export type DeletedFilter = (typeof DELETED_FILTERS)[number];

export type TaskFilter = {
  statuses?: readonly TaskStatus[];
  /** Case-insensitive (ASCII) substring of the title; `%` and `_` match themselves. */
  search?: string;
  /** Exclusive bounds on `updated_at`, as ISO 8601 UTC strings like the stored ones. */
  updatedAfter?: string;
  updatedBefore?: string;
  deleted: DeletedFilter;
};

/** Where a keyset page starts: strictly after this (sort value, id) in the sort's order. */
export type TaskKey = { value: string; id: number };

/** The task as the API shows it (no content hash, no run id). */
export type TaskRow = {
  id: number;
  external_id: string;
  title: string;
  status: TaskStatus;
  remote_updated_at: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: "user" | "upstream" | null;
};

const columns = {
  id: tasks.id,
  external_id: tasks.externalId,
  title: tasks.title,
  status: tasks.status,
  remote_updated_at: tasks.remoteUpdatedAt,
  created_at: tasks.createdAt,
  updated_at: tasks.updatedAt,
  deleted_at: tasks.deletedAt,
  deleted_by: tasks.deletedBy,
};

const SORT_COLUMN = {
  updated_at: tasks.updatedAt,
  title: tasks.title,
  external_id: tasks.externalId,
} as const;

function sortParts(sort: TaskSort) {
  const descending = sort.startsWith("-");
  const field = (descending ? sort.slice(1) : sort) as keyof typeof SORT_COLUMN;
  return { descending, field, column: SORT_COLUMN[field] };
}

/** The sort value of a row, for building the cursor of the page after it. */
export function sortKeyOf(row: TaskRow, sort: TaskSort): TaskKey {
  return { value: row[sortParts(sort).field], id: row.id };
}

/** Escapes LIKE's wildcards so user text matches literally (with `ESCAPE '\'`). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

function filterConditions(filter: TaskFilter, forOrderedScan: boolean): SQL[] {
  const where: SQL[] = [];
  if (filter.deleted === "exclude") where.push(isNull(tasks.deletedAt));
  else if (filter.deleted === "only") where.push(isNotNull(tasks.deletedAt));
  const statuses = filter.statuses ? [...new Set(filter.statuses)] : [];
  if (statuses.length === 1) {
    where.push(eq(tasks.status, statuses[0]!));
  } else if (statuses.length > 1 && statuses.length < 3) {
    // Unary `+` keeps SQLite from answering an IN through the status index, which would return the rows
    // out of order and sort every match in a temp b-tree; walking an index already in sort order and
    // filtering keeps a page's cost independent of its depth. (All three statuses = no filter.)
    const list = sql.join(
      statuses.map((s) => sql`${s}`),
      sql`, `,
    );
    where.push(forOrderedScan ? sql`+${tasks.status} in (${list})` : sql`${tasks.status} in (${list})`);
  }
  if (filter.search) where.push(sql`${tasks.title} like ${likeContains(filter.search)} escape '\\'`);
  if (filter.updatedAfter) where.push(gt(tasks.updatedAt, filter.updatedAfter));
  if (filter.updatedBefore) where.push(lt(tasks.updatedAt, filter.updatedBefore));
  return where;
}

/**
 * One keyset page: up to `limit` rows after `after` in the sort's order, ties broken by id in the same
 * direction. Seeking on (sort value, id) through an index costs the same at any depth, unlike OFFSET.
 */
export async function listTasks(
  db: Db,
  filter: TaskFilter,
  sort: TaskSort,
  limit: number,
  after?: TaskKey,
): Promise<TaskRow[]> {
  const { descending, column } = sortParts(sort);
  const where = filterConditions(filter, true);
  if (after) {
    where.push(
      descending
        ? sql`(${column}, ${tasks.id}) < (${after.value}, ${after.id})`
        : sql`(${column}, ${tasks.id}) > (${after.value}, ${after.id})`,
    );
  }
  const order = descending ? [desc(column), desc(tasks.id)] : [asc(column), asc(tasks.id)];
  return (await db
    .select(columns)
    .from(tasks)
    .where(and(...where))
    .orderBy(...order)
    .limit(limit)) as TaskRow[];
}

/** How many rows match the filter (the whole result, not one page). */
export async function countTasks(db: Db, filter: TaskFilter): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(tasks)
    .where(and(...filterConditions(filter, false)));
  return row?.n ?? 0;
}

export async function getTask(db: Db, id: number): Promise<TaskRow | undefined> {
  const [row] = await db.select(columns).from(tasks).where(eq(tasks.id, id));
  return row as TaskRow | undefined;
}

/**
 * The user's soft delete. Only a live row is stamped, so a second delete (or a delete of a task upstream
 * already removed) changes nothing and answers the row as it is.
 */
export async function softDeleteTask(db: Db, id: number, now: string): Promise<TaskRow | undefined> {
  const [changed] = await db
    .update(tasks)
    .set({ deletedAt: now, deletedBy: "user" })
    .where(and(eq(tasks.id, id), isNull(tasks.deletedAt)))
    .returning(columns);
  return (changed as TaskRow | undefined) ?? getTask(db, id);
}

export type RestoreResult =
  | { task: TaskRow; outcome: "restored" | "unchanged" }
  | { outcome: "upstream" }
  | undefined;

/**
 * Undoes the user's soft delete. A task deleted upstream is not restored here: the next sync would not
 * bring it back either, so it returns only when upstream has it again.
 */
export async function restoreTask(db: Db, id: number): Promise<RestoreResult> {
  const [changed] = await db
    .update(tasks)
    .set({ deletedAt: null, deletedBy: null })
    .where(and(eq(tasks.id, id), eq(tasks.deletedBy, "user")))
    .returning(columns);
  if (changed) return { task: changed as TaskRow, outcome: "restored" };
  const task = await getTask(db, id);
  if (!task) return undefined;
  if (task.deleted_at !== null && task.deleted_by !== "user") return { outcome: "upstream" };
  return { task, outcome: "unchanged" };
}
