// Migrations that reshape stored data, applied to a database as the previous migration left it; and the
// migrations applied at boot by two services starting on one new file at once.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Client, createClient } from "@libsql/client";
import { describe, expect, it } from "vitest";
import { createLibsqlDb } from "../../db/libsql";
import { cleanUpAfterEach, tempUrl, track } from "./libsql-file-support";

cleanUpAfterEach();

const DIR = "db/migrations";
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".sql"))
  .sort();

async function apply(client: Client, file: string) {
  const text = readFileSync(join(DIR, file), "utf8");
  for (const statement of text.split("--> statement-breakpoint")) {
    if (statement.trim()) await client.execute(statement);
  }
}

/** A database migrated up to (not including) the migration whose file name starts with `prefix`. */
async function migratedUpTo(prefix: string): Promise<{ client: Client; next: string }> {
  const client = createClient({ url: ":memory:" });
  const at = files.findIndex((f) => f.startsWith(prefix));
  for (const file of files.slice(0, at)) await apply(client, file);
  return { client, next: files[at]! };
}

describe("migration 0014 (a listing's seen tasks, a row per page)", () => {
  it("keeps the marks of a listing in progress, regrouped at most 5,000 ids a row", async () => {
    const { client, next } = await migratedUpTo("0014");
    await client.execute(
      "insert into sync_seen (run_id, task_id) select 5, value from generate_series(1, 12001)",
    );
    await client.execute("insert into sync_seen (run_id, task_id) values (6, 3), (6, 70000)");
    await apply(client, next);

    const rows = (await client.execute("select run_id, task_ids from sync_seen order by run_id")).rows;
    const ids = (run: number) =>
      rows.filter((r) => r.run_id === run).flatMap((r) => JSON.parse(String(r.task_ids)) as number[]);
    expect(ids(5).sort((a, b) => a - b)).toEqual(Array.from({ length: 12001 }, (_, i) => i + 1));
    expect(ids(6).sort((a, b) => a - b)).toEqual([3, 70000]);
    for (const row of rows)
      expect((JSON.parse(String(row.task_ids)) as number[]).length).toBeLessThanOrEqual(5000);
    client.close();
  });
});

describe("two services booting on one new database file at once", () => {
  // Each migrates at boot on its own connection: both read that nothing is applied before either writes.
  it("both start, and the migrations are applied once", async () => {
    const url = tempUrl();
    const boots = await Promise.allSettled([
      createLibsqlDb(url, { writeThread: false }),
      createLibsqlDb(url, { writeThread: false }),
    ]);
    for (const boot of boots) if (boot.status === "fulfilled") track(boot.value);
    expect(boots.map((b) => (b.status === "rejected" ? String(b.reason) : "started"))).toEqual([
      "started",
      "started",
    ]);
    const check = track(createClient({ url }));
    const applied = await check.execute("select count(*) as n from __drizzle_migrations");
    expect(applied.rows[0]!.n).toBe(files.length);
  });
});
