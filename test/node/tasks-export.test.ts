import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, EXPORT_PAGE_SIZE, neutralizeFormula } from "../../functions/csv";
import { seedMany, seedTasks } from "../shared/task-seed";
import { createTestApp } from "./support";

function parseCsv(text: string): string[][] {
  return parse(text, { relax_column_count: false }) as string[][];
}

describe("GET /api/tasks/export.csv", () => {
  it("answers a CSV attachment with the task columns as its header row", async () => {
    const { app, db } = await createTestApp({ clock: () => new Date("2025-03-04T05:06:07.890Z") });
    const [task] = await seedTasks(db, [{ title: "Write report", status: "in_progress" }]);
    const res = await app.request("/api/tasks/export.csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="tasks-20250304T050607Z.csv"');
    const text = await res.text();
    expect(text.endsWith("\r\n")).toBe(true);
    expect(parseCsv(text)).toEqual([
      [...CSV_COLUMNS],
      [
        String(task!.id),
        task!.external_id,
        "Write report",
        "in_progress",
        task!.remote_updated_at,
        task!.created_at,
        task!.updated_at,
        "",
        "",
        "",
      ],
    ]);
  });

  it("round-trips commas, quotes, newlines and unicode through a real CSV parser", async () => {
    const { app, db } = await createTestApp();
    const titles = [
      "plain",
      "comma, inside",
      'say "hello"',
      "two\nlines",
      "crlf\r\nline",
      "ünïcödé — 日本語 — עברית — 📦🚀",
      "  padded  ",
      "'already quoted",
      "",
    ];
    await seedTasks(
      db,
      titles.map((title, i) => ({ title, external_id: `ext-rt-${i}` })),
    );
    const rows = parseCsv(await (await app.request("/api/tasks/export.csv?sort=external_id")).text());
    expect(rows.slice(1).map((r) => r[2])).toEqual(titles);
  });

  it("quotes a title holding a lone LF or CR, which other readers take for the end of a record", async () => {
    const { app, db } = await createTestApp();
    const titles = ["lf\ninside", "cr\rinside", "both\n\rinside"];
    await seedTasks(
      db,
      titles.map((title, i) => ({ title, external_id: `ext-nl-${i}` })),
    );
    const text = await (await app.request("/api/tasks/export.csv?sort=external_id")).text();
    // As Python's csv module, Excel and LibreOffice read it: any of CRLF, LF or CR ends an unquoted record.
    const rows = parse(text, { record_delimiter: ["\r\n", "\n", "\r"] }) as string[][];
    expect(rows.slice(1).map((r) => r[2])).toEqual(titles);
  });

  it("neutralises cells a spreadsheet would run as a formula", async () => {
    const { app, db } = await createTestApp();
    const titles = [
      "=1+1",
      "+SUM(A1:A2)",
      "-2+3",
      "@cmd",
      "\tTAB",
      "\rCR",
      '=HYPERLINK("http://x","y")',
      "a=b",
    ];
    await seedTasks(db, [
      ...titles.map((title, i) => ({ title, external_id: `ext-f-${i}` })),
      { title: "formula id", external_id: "=cmd|' /C calc'!A0" },
    ]);
    const rows = parseCsv(await (await app.request("/api/tasks/export.csv?sort=external_id")).text()).slice(
      1,
    );
    const byExternal = new Map(rows.map((r) => [r[1]!, r[2]!]));
    for (const [i, title] of titles.entries()) {
      expect(byExternal.get(`ext-f-${i}`)).toBe(title === "a=b" ? "a=b" : `'${title}`);
    }
    expect(byExternal.get("'=cmd|' /C calc'!A0")).toBe("formula id");
    expect(neutralizeFormula("safe")).toBe("safe");
  });

  it("applies the list's filters and sort and ignores limit and cursor", async () => {
    const { app, db } = await createTestApp();
    const rows = await seedMany(db, 30, (i) => ({
      title: i % 2 ? `alpha ${i}` : `beta ${i}`,
      deleted_at: i % 5 === 0 ? "2025-02-01T00:00:00.000Z" : null,
    }));
    const text = await (
      await app.request("/api/tasks/export.csv?status=todo,done&search=ALPHA&sort=-title&limit=1&cursor=zzz")
    ).text();
    const got = parseCsv(text)
      .slice(1)
      .map((r) => Number(r[0]));
    const expected = rows
      .filter((r) => r.deleted_at === null && r.status !== "in_progress" && r.title.startsWith("alpha"))
      .sort((a, b) => (a.title < b.title ? 1 : a.title > b.title ? -1 : b.id - a.id))
      .map((r) => r.id);
    expect(got).toEqual(expected);
    const deleted = parseCsv(await (await app.request("/api/tasks/export.csv?deleted=only")).text()).slice(1);
    expect(deleted).toHaveLength(6);
    expect(deleted.every((r) => r[7] === "2025-02-01T00:00:00.000Z")).toBe(true);
  });

  it("streams every matching row in chunks of at most one page", async () => {
    const { app, db } = await createTestApp();
    const total = EXPORT_PAGE_SIZE * 2 + 345;
    await seedMany(db, total);
    const res = await app.request("/api/tasks/export.csv?sort=external_id");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      const part = decoder.decode(value, { stream: true });
      expect(part.split("\r\n").length - 1).toBeLessThanOrEqual(EXPORT_PAGE_SIZE + 1);
      text += part;
    }
    expect(chunks).toBeGreaterThanOrEqual(3);
    const rows = parseCsv(text).slice(1);
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r[0])).size).toBe(total);
    expect(rows.map((r) => r[1])).toEqual([...rows.map((r) => r[1]!)].sort());
  });

  it("answers just the header row when nothing matches", async () => {
    const { app } = await createTestApp();
    expect(parseCsv(await (await app.request("/api/tasks/export.csv")).text())).toEqual([[...CSV_COLUMNS]]);
  });

  it("is not mistaken for a task id, with or without a trailing slash", async () => {
    const { app } = await createTestApp();
    for (const path of ["/api/tasks/export.csv", "/api/tasks/export.csv/"]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/csv");
    }
  });

  it("answers 400 JSON for an invalid filter", async () => {
    const { app } = await createTestApp();
    const res = await app.request("/api/tasks/export.csv?status=nope");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "validation_error" } });
  });
});
