import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { taskCountQuery, taskPageQuery } from "../../db/task-list";
import { TASK_SORTS, type TaskFilter, type TaskSort } from "../../db/tasks";
import { createTestDb } from "./support";

// Every list query's plan, pinned: a keyset page walks one index already in sort order (so it costs its own
// rows, never a sort of every match), except a title page outside the deleted view, which reads one covering
// index and keeps the best rows; and each index on tasks is walked by at least one of these plans.

type Step = { id: number; parent: number; detail: string };

async function plan(db: Db, query: ReturnType<typeof taskPageQuery>): Promise<Step[]> {
  return db.all<Step>(sql`explain query plan ${query}`);
}

const describePlan = (steps: Step[]) => steps.map((s) => s.detail).join(" | ");
// The page's JSON is built from its ≤ limit ids, one primary-key lookup each, after the walk.
const PAGE_ROWS = "SEARCH tasks USING INTEGER PRIMARY KEY (rowid=?)";
const tableSteps = (steps: Step[]) => steps.filter((s) => / tasks\b/.test(s.detail));
const walkSteps = (steps: Step[]) => tableSteps(steps).filter((s) => s.detail !== PAGE_ROWS);

/**
 * Sorts allowed in a page: the ≤ limit rows of a subquery (the cursor's two arms), and for a title page that
 * cannot seek, the one sort that keeps the best rows of its covering index (`limit` bounds what it holds).
 */
function expectOnlySmallSorts(steps: Step[], label: string, titleScan: boolean) {
  const sorts = steps.filter((s) => s.detail.includes("TEMP B-TREE"));
  for (const step of sorts) {
    const sibling = steps[steps.indexOf(step) - 1];
    const pattern = titleScan ? /^(SCAN|SEARCH) tasks USING COVERING INDEX/ : /^SCAN \(subquery-\d+\)$/;
    expect(sibling?.detail, label).toMatch(pattern);
  }
  if (titleScan) expect(sorts, label).toHaveLength(1);
}

/** A title page outside the deleted view: no index is in title order (db/schema.ts says why). */
const scansForTitle = (filter: TaskFilter, sort: TaskSort) =>
  sort.endsWith("title") && filter.deleted !== "only";

// The index each page should walk, written out by hand (not computed by the code under test).
function expectedIndex(filter: TaskFilter, sort: TaskSort): string {
  const field = sort.replace("-", "");
  if (filter.deleted === "only") {
    return (
      { updated_at: "tasks_deleted_updated_idx", title: "tasks_deleted_title_idx" }[field] ??
      "tasks_deleted_external_idx"
    );
  }
  if (field === "external_id") return "tasks_external_id_unique";
  return filter.statuses?.length === 1 ? "tasks_status_updated_idx" : "tasks_updated_idx";
}

function listFilters(): TaskFilter[] {
  const filters: TaskFilter[] = [];
  for (const deleted of ["exclude", "include", "only"] as const)
    for (const statuses of [[], ["todo"], ["todo", "done"]] as const)
      for (const search of [undefined, "x", "longer search"])
        filters.push({ deleted, statuses: [...statuses], search });
  filters.push(
    {
      deleted: "exclude",
      updatedAfter: "2025-01-01T00:00:00.000Z",
      updatedBefore: "2026-01-01T00:00:00.000Z",
    },
    { deleted: "exclude", statuses: ["done"], updatedAfter: "2025-01-01T00:00:00.000Z" },
  );
  return filters;
}

describe("task list query plans", () => {
  it("walks the sort's index for every filter, sort and cursor, seeking on a single status", async () => {
    const db = await createTestDb();
    for (const filter of listFilters())
      for (const sort of TASK_SORTS)
        for (const after of [undefined, { value: "m", id: 5 }]) {
          const steps = await plan(db, taskPageQuery(filter, sort, 50, after));
          const label = `${JSON.stringify(filter)} ${sort} ${after ? "cursor" : "first"}: ${describePlan(steps)}`;
          const onTasks = walkSteps(steps);
          const titleScan = scansForTitle(filter, sort);
          expect(onTasks.length, label).toBe(after && !titleScan ? 2 : 1);
          expect(
            tableSteps(steps).filter((s) => s.detail === PAGE_ROWS),
            label,
          ).toHaveLength(1);
          const index = expectedIndex(filter, sort);
          for (const step of onTasks) {
            expect(step.detail, label).toMatch(
              new RegExp(`^(SEARCH|SCAN) tasks USING (COVERING )?INDEX ${index}\\b`),
            );
            if (index === "tasks_status_updated_idx") expect(step.detail, label).toContain("(status=?");
          }
          expect(describePlan(steps), label).not.toContain("tasks_title_fts");
          expectOnlySmallSorts(steps, label, titleScan);
        }
  });

  it("fetches a trigram search's few candidates by id and sorts only those", async () => {
    const db = await createTestDb();
    for (const sort of TASK_SORTS) {
      const filter: TaskFilter = { deleted: "exclude", statuses: ["todo"], search: "report" };
      const steps = await plan(db, taskPageQuery(filter, sort, 50, { value: "m", id: 5 }, true));
      const label = `${sort}: ${describePlan(steps)}`;
      for (const step of tableSteps(steps)) expect(step.detail, label).toBe(PAGE_ROWS);
      expect(
        steps.filter((s) => s.detail.startsWith("SCAN tasks_title_fts VIRTUAL TABLE")),
        label,
      ).toHaveLength(2);
    }
  });

  it("counts from an index alone, or through the trigram index, never reading more than the limit", async () => {
    const db = await createTestDb();
    const cases: Array<[TaskFilter, string[]]> = [
      [{ deleted: "exclude" }, ["SCAN tasks USING COVERING INDEX tasks_updated_idx"]],
      [
        { deleted: "include", statuses: ["todo", "done"], search: "ab" },
        ["SCAN tasks USING COVERING INDEX tasks_updated_idx"],
      ],
      [
        { deleted: "exclude", statuses: ["todo"], search: "7" },
        ["SEARCH tasks USING COVERING INDEX tasks_status_updated_idx (status=?)"],
      ],
      [
        { deleted: "exclude", updatedAfter: "2025-01-01T00:00:00.000Z" },
        ["SEARCH tasks USING COVERING INDEX tasks_updated_idx (updated_at>?)"],
      ],
      [{ deleted: "only", statuses: ["todo"] }, ["SCAN tasks USING INDEX tasks_deleted_updated_idx"]],
      [
        { deleted: "only", search: "report", statuses: ["todo"] },
        ["SCAN tasks_title_fts VIRTUAL TABLE INDEX 0:M1", "SEARCH tasks USING INTEGER PRIMARY KEY (rowid=?)"],
      ],
    ];
    for (const [filter, expected] of cases) {
      const steps = await plan(db, taskCountQuery(filter));
      const reads = steps.map((s) => s.detail).filter((d) => !/^(CO-ROUTINE|SCAN \(subquery)/.test(d));
      expect(reads, JSON.stringify(filter)).toEqual(expected);
    }
  });

  it("uses every index on tasks in some pinned plan, so none is kept that no query walks", async () => {
    const db = await createTestDb();
    const indexes = await db.all<{ name: string }>(
      sql`select name from sqlite_master where type = 'index' and tbl_name = 'tasks' and name not like 'sqlite_%'`,
    );
    const used = new Set<string>();
    for (const filter of listFilters())
      for (const sort of TASK_SORTS)
        for (const step of [
          ...(await plan(db, taskPageQuery(filter, sort, 50))),
          ...(await plan(db, taskCountQuery(filter))),
        ])
          for (const m of step.detail.matchAll(/INDEX (\w+)/g)) used.add(m[1]!);
    expect(indexes.map((i) => i.name).sort()).toEqual([...used].filter((n) => n.startsWith("tasks_")).sort());
  });
});
