// Task types for the API, and the single-task queries: one task, the user's soft delete and restore.
// The list's reads (filtered keyset pages and their count) are in task-list.ts.
import { and, eq, isNull } from "drizzle-orm";
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
  /** Case-insensitive (ASCII) substring of the title; every character matches itself. */
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
