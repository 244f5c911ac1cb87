// The task list through the API: filters, search, sorts, keyset pages, counts and their edge cases; one task
// (read, delete, restore) is in task-item.test.ts.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { TASK_SORTS, type TaskFilter, type TaskRow, type TaskSort } from "../../db/tasks";
import type { App } from "../../functions/app";
import { seedMany, seedTasks, taskSeed } from "../shared/task-seed";
import { createTestApp } from "./support";
import { getJson, ids, list, type Page } from "./task-api";

/** Follows next_cursor to the end; checks every page's count and size on the way. */
async function walk(
  app: App,
  params: Record<string, string | number>,
  limit: number,
  between?: () => Promise<void>,
) {
  const seen: TaskRow[] = [];
  let cursor: string | null = null;
  let count = -1;
  for (let pages = 0; pages < 10_000; pages++) {
    const page: Page = await list(app, { ...params, limit, ...(cursor ? { cursor } : {}) });
    expect(page.results.length).toBeLessThanOrEqual(limit);
    if (page.next_cursor) expect(page.results.length).toBe(limit);
    if (count === -1) count = page.count;
    seen.push(...page.results);
    cursor = page.next_cursor;
    if (!cursor) break;
    await between?.();
  }
  return { seen, count };
}

const bytes = (s: string) => Buffer.from(s, "utf8");
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (ch) => ch.toLowerCase());

/** What the API should answer, computed in memory: SQLite compares text as UTF-8 bytes; LIKE folds ASCII only. */
function reference(rows: readonly TaskRow[], filter: TaskFilter, sort: TaskSort): TaskRow[] {
  const matching = rows.filter(
    (r) =>
      (filter.deleted === "include" || (filter.deleted === "only") === (r.deleted_at !== null)) &&
      (!filter.statuses?.length || filter.statuses.includes(r.status)) &&
      (!filter.search || asciiLower(r.title).includes(asciiLower(filter.search))) &&
      (!filter.updatedAfter || r.updated_at > filter.updatedAfter) &&
      (!filter.updatedBefore || r.updated_at < filter.updatedBefore),
  );
  const field = sort.replace("-", "") as "updated_at" | "title" | "external_id";
  const dir = sort.startsWith("-") ? -1 : 1;
  return matching.sort((a, b) => dir * (Buffer.compare(bytes(a[field]), bytes(b[field])) || a.id - b.id));
}

// Varied rows: shared updated_at values (ties), mixed case, LIKE wildcards, unicode, both kinds of deletion.
function variedSeeds(n: number) {
  const titles = [
    "Alpha report",
    "alpha REPORT",
    "50% done",
    "under_score",
    "back\\slash",
    "Ünïcödé 📦",
    "beta",
    "Zeta",
  ];
  return Array.from({ length: n }, (_, i) =>
    taskSeed(i, {
      title: `${titles[i % titles.length]} ${i % 7}`,
      updated_at: new Date(Date.parse("2025-01-01T00:00:00Z") + Math.floor(i / 4) * 3_600_000).toISOString(),
      deleted_at: i % 9 === 0 ? "2025-02-01T00:00:00.000Z" : null,
      deleted_by: i % 9 === 0 ? (i % 2 ? "user" : "upstream") : null,
    }),
  );
}

describe("GET /api/tasks", () => {
  it("answers results, next_cursor and count with the legacy and new task fields", async () => {
    const { app, db } = await createTestApp();
    const [task] = await seedTasks(db, [{ title: "Write report", status: "in_progress" }]);
    const page = await list(app);
    expect(page).toEqual({ results: [task], next_cursor: null, count: 1, count_exact: true });
    expect(Object.keys(page.results[0]!).sort()).toEqual(
      [
        "id",
        "external_id",
        "title",
        "status",
        "remote_updated_at",
        "created_at",
        "updated_at",
        "deleted_at",
        "deleted_by",
        "source_url",
      ].sort(),
    );
  });

  it("hides deleted tasks by default, and shows them with deleted=include or only them with deleted=only", async () => {
    const { app, db } = await createTestApp();
    const [live, byUser, byUpstream] = await seedTasks(db, [
      {},
      { deleted_at: "2025-02-01T00:00:00.000Z", deleted_by: "user" },
      { deleted_at: "2025-02-02T00:00:00.000Z", deleted_by: "upstream" },
    ]);
    expect(ids((await list(app)).results)).toEqual([live!.id]);
    expect(ids((await list(app, { deleted: "exclude" })).results)).toEqual([live!.id]);
    expect(ids((await list(app, { deleted: "only" })).results).sort()).toEqual(
      [byUser!.id, byUpstream!.id].sort(),
    );
    expect((await list(app, { deleted: "include" })).count).toBe(3);
  });

  it("filters by one status or by several, comma-separated", async () => {
    const { app, db } = await createTestApp();
    await seedMany(db, 9);
    const todo = await list(app, { status: "todo" });
    expect(todo.count).toBe(3);
    expect(todo.results.every((t) => t.status === "todo")).toBe(true);
    const two = await list(app, { status: "todo, done" });
    expect(two.count).toBe(6);
    expect(new Set(two.results.map((t) => t.status))).toEqual(new Set(["todo", "done"]));
    expect((await list(app, { status: "todo,in_progress,done" })).count).toBe(9);
  });

  it("searches titles case-insensitively, with q as an alias of search", async () => {
    const { app, db } = await createTestApp();
    await seedTasks(db, [{ title: "Quarterly REPORT" }, { title: "report draft" }, { title: "Invoice" }]);
    expect((await list(app, { search: "Report" })).count).toBe(2);
    expect((await list(app, { q: "rEpOrT" })).count).toBe(2);
    expect((await list(app, { q: "invoice", search: "draft" })).results.map((t) => t.title)).toEqual([
      "report draft",
    ]);
  });

  it("matches %, _ and \\ in a search literally", async () => {
    const { app, db } = await createTestApp();
    await seedTasks(db, [
      { title: "50% done" },
      { title: "500 done" },
      { title: "a_b" },
      { title: "axb" },
      { title: "c\\d" },
    ]);
    expect((await list(app, { search: "0%" })).results.map((t) => t.title)).toEqual(["50% done"]);
    expect((await list(app, { search: "a_b" })).results.map((t) => t.title)).toEqual(["a_b"]);
    expect((await list(app, { search: "%" })).count).toBe(1);
    expect((await list(app, { search: "_" })).count).toBe(1);
    expect((await list(app, { search: "\\" })).results.map((t) => t.title)).toEqual(["c\\d"]);
  });

  it("bounds updated_at with updated_after and updated_before, both exclusive, in any ISO 8601 zone", async () => {
    const { app, db } = await createTestApp();
    const rows = await seedMany(db, 5); // updated_at = 00:00, 00:01, … 00:04 on 2025-01-01 UTC
    const after = await list(app, { updated_after: "2025-01-01T00:01:00Z", sort: "updated_at" });
    expect(ids(after.results)).toEqual(ids(rows.slice(2)));
    const before = await list(app, { updated_before: "2025-01-01T01:03:00+01:00", sort: "updated_at" });
    expect(ids(before.results)).toEqual(ids(rows.slice(0, 3)));
    const both = await list(app, {
      updated_after: "2025-01-01T00:00:30",
      updated_before: "2025-01-01T00:02:00.000Z",
    });
    expect(ids(both.results)).toEqual([rows[1]!.id]);
    expect((await list(app, { updated_after: "2025-01-01" })).count).toBe(4);
    expect((await list(app, { updated_before: "2024-12-31" })).count).toBe(0);
  });

  it("reads a bound finer than a millisecond as the instant it names, not the millisecond before it", async () => {
    const { app, db } = await createTestApp();
    const rows = await seedMany(db, 3); // updated_at = 00:00, 00:01, 00:02 on 2025-01-01 UTC, to the millisecond
    // 00:01:00.000 is earlier than 00:01:00.0005, so it is before the bound, and not after it.
    const before = await list(app, { updated_before: "2025-01-01T00:01:00.0005Z", sort: "updated_at" });
    expect(ids(before.results)).toEqual(ids(rows.slice(0, 2)));
    const after = await list(app, { updated_after: "2025-01-01T00:01:00.0005Z", sort: "updated_at" });
    expect(ids(after.results)).toEqual(ids(rows.slice(2)));
    const exact = await list(app, { updated_before: "2025-01-01T00:01:00.0000Z", sort: "updated_at" });
    expect(ids(exact.results)).toEqual(ids(rows.slice(0, 1)));
  });

  it("sorts by each of the six sorts, breaking ties by id", async () => {
    const { app, db } = await createTestApp();
    const rows = await seedTasks(db, variedSeeds(40));
    for (const sort of TASK_SORTS) {
      const page = await list(app, { sort, deleted: "include", limit: 500 });
      expect(ids(page.results), sort).toEqual(ids(reference(rows, { deleted: "include" }, sort)));
    }
    expect(ids((await list(app, { limit: 500 })).results)).toEqual(
      ids(reference(rows, { deleted: "exclude" }, "-updated_at")),
    );
  });

  it("answers every combination of filters and sort like an in-memory reference, on every page", async () => {
    const { app, db } = await createTestApp();
    const rows = await seedTasks(db, variedSeeds(60));
    const statusSets = [[], ["todo"], ["in_progress", "done"]] as const;
    const searches = [undefined, "alpha", "%", "_", "ünï", "REPORT 3"];
    const ranges = [
      {},
      { updatedAfter: "2025-01-01T03:00:00.000Z", updatedBefore: "2025-01-01T10:00:00.000Z" },
    ];
    for (const deleted of ["exclude", "include", "only"] as const)
      for (const statuses of statusSets)
        for (const search of searches)
          for (const range of ranges)
            for (const sort of TASK_SORTS) {
              const filter: TaskFilter = { deleted, statuses: [...statuses], search, ...range };
              const params: Record<string, string> = { deleted, sort };
              if (statuses.length) params.status = statuses.join(",");
              if (search) params.search = search;
              if (range.updatedAfter) params.updated_after = range.updatedAfter;
              if (range.updatedBefore) params.updated_before = range.updatedBefore;
              const expected = reference(rows, filter, sort);
              const { seen, count } = await walk(app, params, 4);
              expect(ids(seen), JSON.stringify(params)).toEqual(ids(expected));
              expect(count, JSON.stringify(params)).toBe(expected.length);
            }
  });

  it("sends each page's rows exactly as stored, whatever their titles hold", async () => {
    const { app, db } = await createTestApp();
    const titles = [
      ',{"id":3,"external_id":"x"}',
      '"},{"id":2,',
      'back\\slash "quoted" ,{',
      "line\nbreak",
      "ünï 😀",
    ];
    const rows = await seedTasks(
      db,
      titles.flatMap((title, i) => [{ title }, { title: `${title} ${i}` }]),
    );
    for (const sort of ["title", "-updated_at"] as const)
      for (const limit of [1, 2, 3]) {
        const { seen } = await walk(app, { sort }, limit);
        expect(seen, `${sort} ${limit}`).toEqual(reference(rows, { deleted: "exclude" }, sort));
      }
  });

  it("defaults to 50 rows a page and accepts limits from 1 to 500", async () => {
    const { app, db } = await createTestApp();
    await seedMany(db, 120);
    const first = await list(app);
    expect(first.results).toHaveLength(50);
    expect(first.count).toBe(120);
    expect(first.next_cursor).toEqual(expect.any(String));
    expect((await list(app, { limit: 1 })).results).toHaveLength(1);
    expect((await list(app, { limit: 500 })).results).toHaveLength(120);
    expect((await list(app, { limit: 500 })).next_cursor).toBeNull();
  });

  it("treats empty parameters as absent and ignores unknown parameter names", async () => {
    const { app, db } = await createTestApp();
    await seedMany(db, 3);
    const page = await list(app, {
      status: "",
      search: "",
      sort: "",
      limit: "",
      deleted: "",
      page: 7,
      format: "json",
    });
    expect(page.count).toBe(3);
  });

  it.each([
    ["status", "todo,archived"],
    ["status", "TODO"],
    ["sort", "priority"],
    ["sort", "-id"],
    ["deleted", "yes"],
    ["limit", "0"],
    ["limit", "501"],
    ["limit", "ten"],
    ["limit", "2.5"],
    ["updated_after", "yesterday"],
    ["updated_after", "2025-02-30"],
    ["updated_before", "2025-01-01T25:00:00Z"],
    ["updated_before", "1735689600"],
    ["cursor", "not a cursor"],
    ["cursor", "eyJ4IjoxfQ"],
    ["search", "x".repeat(201)],
  ])("answers 400 validation_error for %s=%s", async (name, value) => {
    const { app } = await createTestApp();
    const { status, body } = await getJson<{ error: { code: string; details: { field: string }[] } }>(
      app,
      `/api/tasks?${new URLSearchParams({ [name]: value })}`,
    );
    expect(status).toBe(400);
    expect(body.error.code).toBe("validation_error");
    expect(body.error.details.map((d) => d.field)).toContain(name);
  });

  it("refuses a cursor made for another sort", async () => {
    const { app, db } = await createTestApp();
    await seedMany(db, 5);
    const { next_cursor } = await list(app, { sort: "title", limit: 2 });
    const { status, body } = await getJson<{ error: { code: string; message: string } }>(
      app,
      `/api/tasks?sort=-title&limit=2&cursor=${next_cursor}`,
    );
    expect(status).toBe(400);
    expect(body.error.message).toContain("sort=title");
  });

  it.each([1, 2, 3, 7, 10, 50, 500])(
    "walks every row exactly once, %i a page, with runs of equal sort values",
    async (limit) => {
      const { app, db } = await createTestApp();
      // Ten rows share each updated_at and each title, as a sync stamps a whole page with one time.
      const rows = await seedMany(db, 137, (i) => ({
        updated_at: new Date(Date.parse("2025-01-01T00:00:00Z") + Math.floor(i / 10) * 1000).toISOString(),
        title: `Title ${Math.floor(i / 10)}`,
        deleted_at: i % 11 === 0 ? "2025-03-01T00:00:00.000Z" : null,
      }));
      for (const sort of TASK_SORTS) {
        for (const deleted of ["exclude", "include"] as const) {
          const { seen, count } = await walk(app, { sort, deleted }, limit);
          const expected = reference(rows, { deleted }, sort);
          expect(ids(seen), `${sort} ${deleted}`).toEqual(ids(expected));
          expect(new Set(ids(seen)).size).toBe(seen.length);
          expect(count).toBe(expected.length);
        }
      }
    },
  );

  it("walks every row whose sort value does not change exactly once while other rows change between pages", async () => {
    const { app, db } = await createTestApp();
    const rows = await seedMany(db, 200);
    let tick = 0;
    const changed = new Set<number>();
    const churn = async () => {
      tick++;
      // Touch rows ahead of and behind the cursor: new titles and updated_at, a deletion, a new row.
      for (const id of [1 + ((tick * 37) % 200), 1 + ((tick * 53 + 11) % 200)]) {
        changed.add(id);
        await db.run(
          sql`update tasks set title = ${`Changed ${tick}`}, updated_at = ${new Date(Date.parse("2026-01-01T00:00:00Z") + tick * 1000).toISOString()} where id = ${id}`,
        );
      }
      await seedTasks(db, [taskSeed(1000 + tick, { external_id: `ext-new-${tick}` })]);
    };
    // external_id never changes, so in that sort no row moves: each original row exactly once.
    const byExternal = await walk(app, { sort: "external_id" }, 9, churn);
    const seenOriginal = ids(byExternal.seen).filter((id) => id <= 200);
    expect(seenOriginal).toEqual(ids(rows));

    // In -updated_at, a changed row jumps to the front: seen at most once (missed if it had not been reached).
    changed.clear();
    const newest = await walk(app, { sort: "-updated_at" }, 9, churn);
    expect(new Set(ids(newest.seen)).size).toBe(newest.seen.length);
    const unchangedIds = ids(rows).filter((id) => !changed.has(id));
    const seenIds = new Set(ids(newest.seen));
    for (const id of unchangedIds) expect(seenIds.has(id)).toBe(true);

    // In updated_at (oldest first), a changed row moves behind the cursor: never missed, maybe seen twice.
    changed.clear();
    const oldest = await walk(app, { sort: "updated_at" }, 9, churn);
    const counts = new Map<number, number>();
    for (const id of ids(oldest.seen)) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const id of ids(rows)) {
      if (changed.has(id)) expect(counts.get(id)).toBeGreaterThanOrEqual(1);
      else expect(counts.get(id)).toBe(1);
    }
  });
});
