import { sql } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pageRows, taskPageQuery } from "../../db/task-list";
import { COUNT_LIMIT, SORTED_SEARCH_LIMIT } from "../../db/task-list-statements";
import { trigramQuery } from "../../db/task-search";
import { TASK_SORTS, type TaskFilter, type TaskRow } from "../../db/tasks";
import type { App } from "../../functions/app";
import { seedMany, seedTasks } from "../shared/task-seed";
import { createTestApp } from "./support";

type Page = { results: TaskRow[]; next_cursor: string | null; count: number; count_exact: boolean };

async function list(app: App, params: Record<string, string | number>) {
  const res = await app.request(
    `/api/tasks?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`,
  );
  const body = (await res.json()) as Page;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

async function walkIds(app: App, params: Record<string, string | number>) {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await list(app, { ...params, limit: 500, ...(cursor ? { cursor } : {}) });
    ids.push(...page.results.map((t) => t.id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

const titlesOf = async (app: App, search: string) =>
  (await list(app, { search, limit: 500, sort: "title" })).results.map((t) => t.title);

describe("GET /api/tasks count", () => {
  it(`counts exactly up to ${COUNT_LIMIT} matches, and says when it stopped counting`, async () => {
    const { app, db } = await createTestApp();
    await seedMany(db, COUNT_LIMIT + 15, (i) => ({ title: i < 10 ? `Rare ${i}` : `Task ${i}` }));
    expect(await list(app, {})).toMatchObject({ count: COUNT_LIMIT, count_exact: false });
    expect(await list(app, { search: "task" })).toMatchObject({ count: COUNT_LIMIT, count_exact: false });
    expect(await list(app, { search: "rare" })).toMatchObject({ count: 10, count_exact: true });
    const todo = Math.ceil((COUNT_LIMIT + 15) / 3);
    expect(await list(app, { status: "todo", search: "ask" })).toMatchObject({
      count: todo - 4,
      count_exact: true,
    });
    expect(await list(app, { deleted: "only" })).toMatchObject({ count: 0, count_exact: true });
  });
});

describe("GET /api/tasks search through the trigram index", () => {
  it("answers every row of a search, in order, once, whether its matches are sorted or walked", async () => {
    const { app, db } = await createTestApp();
    // "REPORT" matches more rows than a search sorts (the page walks the sort index), "voice 1" fewer.
    const rows = await seedMany(db, 2 * SORTED_SEARCH_LIMIT + 400, (i) => ({
      title: `${i % 2 ? "Report" : "Invoice"} ${i}`,
      updated_at: new Date(Date.parse("2025-01-01T00:00:00Z") + Math.floor(i / 7) * 1000).toISOString(),
    }));
    for (const [search, keep] of [
      ["REPORT", (t: TaskRow) => t.title.startsWith("Report")],
      ["voice 1", (t: TaskRow) => t.title.startsWith("Invoice 1")],
    ] as const) {
      const expected = rows
        .filter(keep)
        .sort((a, b) => b.updated_at.localeCompare(a.updated_at) || b.id - a.id)
        .map((t) => t.id);
      expect(await walkIds(app, { search }), search).toEqual(expected);
    }
  });

  it("reads the same rows whether it sorts the few candidates or walks the sort index", async () => {
    const { db } = await createTestApp();
    await seedMany(db, 300, (i) => ({
      title: ["Alpha report", "alpha REPORT", "beta", "Ünïcödé 📦 report"][i % 4]!,
      updated_at: new Date(Date.parse("2025-01-01T00:00:00Z") + Math.floor(i / 9) * 1000).toISOString(),
      deleted_at: i % 13 === 0 ? "2025-02-01T00:00:00.000Z" : null,
    }));
    const page = async (filter: TaskFilter, sort: (typeof TASK_SORTS)[number], few: boolean) => {
      const [row] = await db.all<{ page: string }>(
        taskPageQuery(filter, sort, 40, { value: "Alpha report", id: 100 }, few),
      );
      return pageRows(row!.page, sort);
    };
    for (const search of ["report", "ÜNÏ", "ünï", "a r"])
      for (const deleted of ["exclude", "include", "only"] as const)
        for (const sort of TASK_SORTS) {
          const filter: TaskFilter = { deleted, search, statuses: ["todo", "done"] };
          expect(await page(filter, sort, true), `${search} ${deleted} ${sort}`).toEqual(
            await page(filter, sort, false),
          );
        }
  });

  it("keeps the index in step with every write: insert, title change, status change, deletion", async () => {
    const { app, db } = await createTestApp();
    const [first, second] = await seedTasks(db, [{ title: "Quarterly invoice" }, { title: "Ship release" }]);
    expect(await titlesOf(app, "invoice")).toEqual(["Quarterly invoice"]);
    await db.run(sql`update tasks set title = 'Annual budget' where id = ${first!.id}`);
    expect(await titlesOf(app, "invoice")).toEqual([]);
    expect(await titlesOf(app, "budget")).toEqual(["Annual budget"]);
    await db.run(sql`update tasks set status = 'done' where id = ${first!.id}`);
    expect(await titlesOf(app, "budget")).toEqual(["Annual budget"]);
    await db.run(sql`delete from tasks where id = ${second!.id}`);
    expect(await titlesOf(app, "release")).toEqual([]);
    const [{ n }] = (await db.all<{ n: number }>(
      sql`select count(*) as n from tasks_title_fts where tasks_title_fts match '"rel"'`,
    )) as [{ n: number }];
    expect(n).toBe(0);
  });

  it("holds exactly the live titles' trigrams after any inserts, renames and deletions", async () => {
    // A contentless index forgets a row by replaying the text it was indexed with (the 'delete' command in the
    // triggers): replayed wrong, it would drop trigrams other rows still need, and searches would miss them.
    const letters = fc.constantFrom("a", "b", "c", " ");
    const title = fc.array(letters, { minLength: 1, maxLength: 8 }).map((cs) => `x${cs.join("")}`);
    const op = fc.oneof(
      fc.record({ kind: fc.constant("insert" as const), title }),
      fc.record({ kind: fc.constant("rename" as const), pick: fc.nat(), title }),
      fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const { db } = await createTestApp();
        const live = new Map<number, string>();
        let inserted = 0;
        for (const o of ops) {
          const ids = [...live.keys()];
          if (o.kind === "insert") {
            const [row] = await seedTasks(db, [{ title: o.title, external_id: `t${inserted++}` }]);
            live.set(row!.id, o.title);
          } else if (ids.length > 0) {
            const id = ids[o.pick % ids.length]!;
            if (o.kind === "rename") {
              await db.run(sql`update tasks set title = ${o.title} where id = ${id}`);
              live.set(id, o.title);
            } else {
              await db.run(sql`delete from tasks where id = ${id}`);
              live.delete(id);
            }
          }
        }
        const trigrams = new Set<string>();
        for (const t of live.values())
          for (let i = 0; i + 3 <= t.length; i++) trigrams.add(t.slice(i, i + 3));
        for (const gram of ["xab", "abc", "c b", ...trigrams]) {
          const indexed = await db.all<{ id: number }>(
            sql`select rowid as id from tasks_title_fts where tasks_title_fts match ${`"${gram}"`} order by rowid`,
          );
          const expected = [...live].filter(([, t]) => t.includes(gram)).map(([id]) => id);
          expect(
            indexed.map((r) => r.id),
            gram,
          ).toEqual(expected.sort((a, b) => a - b));
        }
      }),
      { numRuns: 30 },
    );
  });

  it("finds what a sync writes and renames", async () => {
    const { app } = await createTestApp({ sim: { total: 30 } });
    expect((await app.request("/api/sync", { method: "POST" })).status).toBe(200);
    const all = (await list(app, { limit: 500 })).results;
    const target = all[0]!;
    expect((await list(app, { search: target.title.toUpperCase() })).results.map((t) => t.id)).toContain(
      target.id,
    );
  });

  it("matches any character literally: LIKE wildcards, quotes, FTS5 syntax, NUL, unicode", async () => {
    const { app, db } = await createTestApp();
    const titles = [
      'He said "ship it"',
      "50% done",
      "a_b_c",
      "NEAR(x y) AND z*",
      "col:umn ^start",
      "nul\u0000byte",
      "📦📦📦 box",
    ];
    await seedTasks(
      db,
      titles.map((title) => ({ title })),
    );
    expect(await titlesOf(app, '"ship it"')).toEqual(['He said "ship it"']);
    expect(await titlesOf(app, "0% d")).toEqual(["50% done"]);
    expect(await titlesOf(app, "a_b_")).toEqual(["a_b_c"]);
    expect(await titlesOf(app, "NEAR(x")).toEqual(["NEAR(x y) AND z*"]);
    expect(await titlesOf(app, ") AND z*")).toEqual(["NEAR(x y) AND z*"]);
    expect(await titlesOf(app, "col:umn ^st")).toEqual(["col:umn ^start"]);
    expect(await titlesOf(app, "l\u0000b")).toEqual(["nul\u0000byte"]);
    expect(await titlesOf(app, "📦📦")).toEqual(["📦📦📦 box"]);
    expect(await titlesOf(app, "📦 b")).toEqual(["📦📦📦 box"]);
    expect(await titlesOf(app, "%")).toEqual(["50% done"]);
  });

  it("answers 200 for a search of any length up to the maximum, in any script", async () => {
    const { app, db } = await createTestApp();
    await seedTasks(db, [{ title: "é".repeat(200) }]);
    for (const search of ["x".repeat(49), "x".repeat(200), "é".repeat(200), "📦".repeat(100)])
      expect((await list(app, { search })).count, search.slice(0, 8)).toBe(
        search === "é".repeat(200) ? 1 : 0,
      );
  });
});

describe("trigramQuery", () => {
  it("leaves short searches to the scan and quotes every trigram", () => {
    expect(trigramQuery("ab")).toBeUndefined();
    expect(trigramQuery("📦📦")).toBeUndefined();
    expect(trigramQuery("abc")).toBe('"abc"');
    expect(trigramQuery('a"bc')).toBe('"a""b" AND """bc"');
    expect(trigramQuery("abcdefgh")).toBe('"abc" AND "cde" AND "fgh"');
    expect(trigramQuery("nul\u0000")).toBe('"nul"');
  });
});
