// Task queries for the API: filtered keyset pages, counts, and the user's soft delete and restore.
import { and, count, eq, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { type TaskStatus, tasks, tasksVersion as tasksVersionTable } from "./schema";

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
  /** The task's page upstream (GitHub's html_url); null when the upstream has none. */
  source_url: string | null;
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
  source_url: tasks.sourceUrl,
};

const SORT_COLUMN = {
  updated_at: tasks.updatedAt,
  title: tasks.title,
  external_id: tasks.externalId,
} as const;

type SortField = keyof typeof SORT_COLUMN;

function sortParts(sort: TaskSort) {
  const descending = sort.startsWith("-");
  const field = (descending ? sort.slice(1) : sort) as SortField;
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

/**
 * The WHERE terms of a filter. For a page (`orderedBy` set) only the terms that the index walked in sort
 * order can seek on stay visible to SQLite's planner; the others get a unary `+`, which forbids index
 * use for that term. Without it, the planner (no statistics) prefers an index on an equality term and
 * sorts every match in a temp b-tree, so a page would cost the whole result set rather than its own rows.
 * The indexes these plans rely on are in db/schema.ts; test/node/tasks.test.ts checks every plan.
 */
function filterConditions(filter: TaskFilter, orderedBy?: SortField): SQL[] {
  const where: SQL[] = [];
  const statuses = [...new Set(filter.statuses ?? [])];
  const hidden = (term: SQL) => (orderedBy ? sql`+${term}` : term);
  if (filter.deleted === "exclude") where.push(isNull(tasks.deletedAt));
  // Left visible: it selects the partial "deleted" indexes, which are already in sort order.
  else if (filter.deleted === "only") where.push(isNotNull(tasks.deletedAt));
  if (statuses.length === 1) {
    // (status, deleted_at, updated_at|title, id) serve a single status among live rows.
    const seekable = filter.deleted === "exclude" && orderedBy !== "external_id";
    where.push(
      seekable || !orderedBy ? eq(tasks.status, statuses[0]!) : sql`+${tasks.status} = ${statuses[0]}`,
    );
  } else if (statuses.length === 2) {
    // All three statuses is no filter at all.
    const list = sql.join(
      statuses.map((s) => sql`${s}`),
      sql`, `,
    );
    where.push(sql`${hidden(sql`${tasks.status}`)} in (${list})`);
  }
  if (filter.search) where.push(sql`${tasks.title} like ${likeContains(filter.search)} escape '\\'`);
  const rangeSeekable = !orderedBy || orderedBy === "updated_at";
  const updated = rangeSeekable ? sql`${tasks.updatedAt}` : sql`+${tasks.updatedAt}`;
  if (filter.updatedAfter) where.push(sql`${updated} > ${filter.updatedAfter}`);
  if (filter.updatedBefore) where.push(sql`${updated} < ${filter.updatedBefore}`);
  return where;
}

const SELECT_COLUMNS = sql.raw(
  "id, external_id, title, status, remote_updated_at, created_at, updated_at, deleted_at, deleted_by, source_url",
);

function toTaskRow(r: Record<string, unknown>): TaskRow {
  return {
    id: Number(r.id),
    external_id: r.external_id as string,
    title: r.title as string,
    status: r.status as TaskStatus,
    remote_updated_at: r.remote_updated_at as string,
    created_at: r.created_at as string,
    updated_at: r.updated_at as string,
    deleted_at: (r.deleted_at ?? null) as string | null,
    deleted_by: (r.deleted_by ?? null) as TaskRow["deleted_by"],
    source_url: (r.source_url ?? null) as string | null,
  };
}

/**
 * One keyset page: up to `limit` rows after `after` in the sort's order, ties broken by id in the same
 * direction. Seeking through an index in sort order costs the same at any depth, unlike OFFSET.
 *
 * SQLite seeks on a row value `(value, id) < (?, ?)` by its first column only when the second is the rowid,
 * so a page after a run of equal values (a sync stamps a whole page with one `updated_at`) would rescan
 * the run. A page after a cursor is therefore two seeks: the rest of the cursor's tie (`value = ? AND id
 * beyond`), then the values beyond it; each arm is limited, so the final sort handles at most 2 x limit rows.
 */
export async function listTasks(
  db: Db,
  filter: TaskFilter,
  sort: TaskSort,
  limit: number,
  after?: TaskKey,
): Promise<TaskRow[]> {
  const rows = await db.all<Record<string, unknown>>(taskPageQuery(filter, sort, limit, after));
  return rows.map(toTaskRow);
}

/** The statement behind listTasks, exported so a test can check its query plan. */
export function taskPageQuery(filter: TaskFilter, sort: TaskSort, limit: number, after?: TaskKey): SQL {
  const { descending, field, column } = sortParts(sort);
  const dir = sql.raw(descending ? "desc" : "asc");
  const beyond = sql.raw(descending ? "<" : ">");
  const order = sql`order by ${sql.identifier(field)} ${dir}, id ${dir}`;
  const where = filterConditions(filter, field);
  if (!after) {
    return sql`select ${SELECT_COLUMNS} from tasks where ${and(...where) ?? sql`1`} ${order} limit ${limit}`;
  }
  const tie = and(...where, sql`${column} = ${after.value}`, sql`${tasks.id} ${beyond} ${after.id}`);
  const rest = and(...where, sql`${column} ${beyond} ${after.value}`);
  return sql`select * from (select ${SELECT_COLUMNS} from tasks where ${tie} order by id ${dir} limit ${limit})
    union all
    select * from (select ${SELECT_COLUMNS} from tasks where ${rest} ${order} limit ${limit})
    ${order} limit ${limit}`;
}

/** Moves on every write to tasks (a trigger), so a cached page keyed by it is never stale. */
export async function tasksVersion(db: Db): Promise<number> {
  const [row] = await db
    .select({ v: tasksVersionTable.version })
    .from(tasksVersionTable)
    .where(eq(tasksVersionTable.id, 1));
  return row?.v ?? 0;
}

/** How many rows match the filter (the whole result, not one page). */
export async function countTasks(db: Db, filter: TaskFilter): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(tasks)
    .where(and(...filterConditions(filter)));
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
