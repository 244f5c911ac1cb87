// The page size a database file is created with, and a file created before it was chosen.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { createLibsqlDb } from "../../db/libsql";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshFile() {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-page-size-"));
  dirs.push(dir);
  return join(dir, "tasks.db");
}

async function pageSizeOf(file: string): Promise<number> {
  const { db, close } = await createLibsqlDb(`file:${file}`);
  try {
    await db.run(sql`insert into tasks (external_id, title, status, remote_updated_at, created_at, updated_at)
      values ('t-1', 'Task', 'todo', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`);
    const [row] = await db.all<{ page_size: number }>(sql`pragma page_size`);
    return row!.page_size;
  } finally {
    close();
  }
}

describe("the database file's page size", () => {
  it("a new file gets 8 KiB pages", async () => {
    expect(await pageSizeOf(freshFile())).toBe(8192);
  });

  it("a file made with 4 KiB pages (before) opens, migrates and keeps them", async () => {
    const file = freshFile();
    const old = createClient({ url: `file:${file}` });
    await old.execute("pragma page_size = 4096");
    await old.execute("pragma journal_mode = WAL");
    await old.execute("create table before_us (x integer)");
    old.close();
    expect(await pageSizeOf(file)).toBe(4096);
  });
});
