import { env, SELF } from "cloudflare:test";
import { parse } from "csv-parse/sync";
import { beforeEach, describe, expect, it } from "vitest";
import { createD1Db } from "../../db/d1";
import type { TaskRow } from "../../db/tasks";
import { CSV_COLUMNS, EXPORT_PAGE_SIZE } from "../../functions/csv";
import { seedMany, seedTasks } from "../shared/task-seed";

type Page = { results: TaskRow[]; next_cursor: string | null; count: number; count_exact: boolean };

const db = () => createD1Db(env.DB);
const call = (path: string, init?: RequestInit) => SELF.fetch(`http://example.com${path}`, init);

async function list(params: Record<string, string | number>): Promise<Page> {
  const res = await call(
    `/api/tasks?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`,
  );
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

async function walk(params: Record<string, string | number>, limit: number) {
  const seen: number[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await list({ ...params, limit, ...(cursor ? { cursor } : {}) });
    seen.push(...page.results.map((t) => t.id));
    cursor = page.next_cursor;
  } while (cursor);
  return seen;
}

beforeEach(async () => {
  await env.DB.prepare("delete from tasks").run();
});

describe("GET /api/tasks on D1", () => {
  it("filters by status, search and deletion, with the count of every match", async () => {
    await seedMany(db(), 30, (i) => ({
      title: i % 2 ? `Report ${i}` : `Invoice ${i}`,
      deleted_at: i % 10 === 0 ? "2025-02-01T00:00:00.000Z" : null,
      deleted_by: i % 10 === 0 ? "user" : null,
    }));
    const page = await list({ status: "todo,done", search: "report", limit: 3 });
    const expectedCount = Array.from({ length: 30 }, (_, i) => i).filter(
      (i) => i % 2 === 1 && i % 3 !== 1 && i % 10 !== 0,
    ).length;
    expect(page.count).toBe(expectedCount);
    expect(page.results).toHaveLength(3);
    expect(page.results.every((t) => t.title.startsWith("Report") && t.status !== "in_progress")).toBe(true);
    expect((await list({ deleted: "only" })).count).toBe(3);
  });

  it("walks every row exactly once through runs of equal sort values, in every sort", async () => {
    const rows = await seedMany(db(), 45, (i) => ({
      updated_at: new Date(Date.parse("2025-01-01T00:00:00Z") + Math.floor(i / 6) * 1000).toISOString(),
      title: `Same ${Math.floor(i / 5)}`,
    }));
    for (const sort of ["-updated_at", "updated_at", "title", "-title", "external_id", "-external_id"]) {
      const seen = await walk({ sort }, 4);
      expect(seen.length, sort).toBe(rows.length);
      expect(new Set(seen).size, sort).toBe(rows.length);
    }
    const newestFirst = await walk({ sort: "-updated_at" }, 7);
    const expected = [...rows].sort((a, b) => b.updated_at.localeCompare(a.updated_at) || b.id - a.id);
    expect(newestFirst).toEqual(expected.map((r) => r.id));
  });

  it("searches titles of any length up to the maximum, through the trigram index or a scan", async () => {
    await seedTasks(db(), [{ title: "Quarterly REPORT" }, { title: "é".repeat(200) }, { title: "ab" }]);
    // D1 refuses LIKE patterns over 50 bytes; the search must not depend on one.
    for (const [search, count] of [
      ["report", 1],
      ["ab", 1],
      ["x".repeat(49), 0],
      ["é".repeat(200), 1],
      ["📦".repeat(100), 0],
    ] as const) {
      const page = await list({ search });
      expect([page.count, page.count_exact], search.slice(0, 8)).toEqual([count, true]);
    }
  });

  it("answers 400 JSON for an unknown filter value", async () => {
    const res = await call("/api/tasks?sort=priority");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "validation_error" } });
  });
});

describe("DELETE and restore on D1", () => {
  it("soft-deletes idempotently and restores", async () => {
    const [task] = await seedMany(db(), 1);
    const first = await call(`/api/tasks/${task!.id}`, { method: "DELETE" });
    expect(first.status).toBe(200);
    const deleted = (await first.json()) as TaskRow;
    expect(deleted).toMatchObject({ id: task!.id, deleted_by: "user", deleted_at: expect.any(String) });
    const again = await call(`/api/tasks/${task!.id}/`, { method: "DELETE" });
    expect(await again.json()).toEqual(deleted);
    expect((await list({})).count).toBe(0);
    const restored = await call(`/api/tasks/${task!.id}/restore`, { method: "POST" });
    expect(restored.status).toBe(200);
    expect(await restored.json()).toEqual(task);
    expect((await call("/api/tasks/999999", { method: "DELETE" })).status).toBe(404);
  });

  it("refuses to restore a task deleted upstream", async () => {
    const [task] = await seedTasks(db(), [
      { deleted_at: "2025-02-01T00:00:00.000Z", deleted_by: "upstream" },
    ]);
    const res = await call(`/api/tasks/${task!.id}/restore`, { method: "POST" });
    expect(res.status).toBe(400);
  });

  it("refuses a cross-origin delete", async () => {
    const [task] = await seedMany(db(), 1);
    const res = await call(`/api/tasks/${task!.id}`, {
      method: "DELETE",
      headers: { Origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect((await list({})).count).toBe(1);
  });
});

describe("GET /api/tasks/export.csv on D1", () => {
  it("streams every matching row as CSV across several pages", async () => {
    const total = EXPORT_PAGE_SIZE + 250;
    await seedMany(db(), total, (i) => ({
      title: i === 3 ? '=HYPERLINK("x"), "quoted"\nline' : `Task ${i}`,
    }));
    const res = await call("/api/tasks/export.csv?sort=external_id");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="tasks-\d{8}T\d{6}Z\.csv"$/,
    );
    const rows = parse(await res.text()) as string[][];
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(total + 1);
    expect(rows[4]![2]).toBe('\'=HYPERLINK("x"), "quoted"\nline');
  });
});
