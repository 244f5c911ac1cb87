// Writes task rows straight into the tasks table (libSQL or D1), for tests of the task API.
import type { Db } from "../../db/client";
import { type TaskStatus, tasks } from "../../db/schema";
import type { TaskRow } from "../../db/tasks";

export type TaskSeed = {
  external_id?: string;
  title?: string;
  status?: TaskStatus;
  updated_at?: string;
  created_at?: string;
  remote_updated_at?: string;
  deleted_at?: string | null;
  deleted_by?: "user" | "upstream" | null;
  source_url?: string | null;
};

const BASE = Date.parse("2025-01-01T00:00:00.000Z");
const STATUSES: TaskStatus[] = ["todo", "in_progress", "done"];

/** Row i gets ext-00000i, "Task i", a status by turn and updated_at = 2025-01-01 + i minutes, unless given. */
export function taskSeed(i: number, over: TaskSeed = {}): Required<TaskSeed> {
  const at = new Date(BASE + i * 60_000).toISOString();
  return {
    external_id: `ext-${String(i).padStart(6, "0")}`,
    title: `Task ${i}`,
    status: STATUSES[i % 3]!,
    updated_at: at,
    created_at: at,
    remote_updated_at: at,
    deleted_at: null,
    deleted_by: null,
    source_url: null,
    ...over,
  };
}

/** Inserts rows (9 a statement: D1 binds at most 100 parameters) and answers them as the API shows them. */
export async function seedTasks(db: Db, rows: readonly TaskSeed[]): Promise<TaskRow[]> {
  const full = rows.map((r, i) => taskSeed(i, r));
  const out: TaskRow[] = [];
  for (let start = 0; start < full.length; start += 9) {
    const chunk = full.slice(start, start + 9);
    const inserted = await db
      .insert(tasks)
      .values(
        chunk.map((r) => ({
          externalId: r.external_id,
          title: r.title,
          status: r.status,
          remoteUpdatedAt: r.remote_updated_at,
          createdAt: r.created_at,
          updatedAt: r.updated_at,
          deletedAt: r.deleted_at,
          deletedBy: r.deleted_by,
          sourceUrl: r.source_url,
        })),
      )
      .returning({ id: tasks.id });
    inserted.forEach((row, i) => {
      const r = chunk[i]!;
      out.push({ id: row.id, ...r });
    });
  }
  return out;
}

/** `n` rows made by taskSeed(i, make(i)). */
export function seedMany(db: Db, n: number, make: (i: number) => TaskSeed = () => ({})) {
  return seedTasks(
    db,
    Array.from({ length: n }, (_, i) => taskSeed(i, make(i))),
  );
}
