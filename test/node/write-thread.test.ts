// A file database's batches run on the write thread: what comes back must read exactly as libSQL's own results
// and errors do (drizzle maps the rows, fault detection reads the codes), and a batch stays one transaction.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { databaseFault } from "../../db/database-faults";
import { isLeaseLost } from "../../db/lease";
import { createLibsqlDb, type LibsqlDb } from "../../db/libsql";
import { syncRuns, tasks } from "../../db/schema";
import { ThreadedClient } from "../../db/write-thread";
import { buildHarness, PAGE_BY_PAGE } from "../shared/harness";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function fileDb(): Promise<LibsqlDb & { client: ThreadedClient }> {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-thread-"));
  const opened = await createLibsqlDb(`file:${join(dir, "db.sqlite")}`);
  cleanups.push(() => {
    opened.close();
    rmSync(dir, { recursive: true, force: true });
  });
  expect(opened.client).toBeInstanceOf(ThreadedClient);
  return opened as LibsqlDb & { client: ThreadedClient };
}

const task = (externalId: string, title: string) => ({
  externalId,
  title,
  status: "todo" as const,
  remoteUpdatedAt: "2026-01-01T00:00:00.000Z",
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
});

describe("the write thread", () => {
  it("answers a batch as libSQL does: mapped rows, rows affected, insert ids, seen at once by reads here", async () => {
    const { db, client } = await fileDb();
    const [inserted, updated, selected] = await db.batch([
      db
        .insert(tasks)
        .values([task("a", "first"), task("b", "second")])
        .returning({ id: tasks.id }),
      db.update(tasks).set({ title: "renamed" }).where(eq(tasks.externalId, "b")),
      db.select({ externalId: tasks.externalId, title: tasks.title }).from(tasks).orderBy(tasks.externalId),
    ]);
    expect(inserted).toEqual([{ id: 1 }, { id: 2 }]);
    expect((updated as { rowsAffected: number }).rowsAffected).toBe(1);
    expect(selected).toEqual([
      { externalId: "a", title: "first" },
      { externalId: "b", title: "renamed" },
    ]);
    const [raw] = await client.batch([
      { sql: "select external_id as id, title from tasks where id = 2", args: [] },
    ]);
    expect(raw!.columns).toEqual(["id", "title"]);
    expect([raw!.rows[0]![0], raw!.rows[0]!.title, raw!.rows[0]!.length]).toEqual(["b", "renamed", 2]);
    expect(Object.keys(raw!.rows[0]!)).toEqual(["id", "title"]);
    const [insert] = await client.batch([
      {
        sql: "insert into tasks (external_id, title, status, remote_updated_at, created_at, updated_at) values ('c', 'third', 'done', '', '', '')",
        args: [],
      },
    ]);
    expect(insert!.lastInsertRowid).toBe(3n);
    expect(await db.$count(tasks)).toBe(3);
  });

  it("writes nothing of a failed batch, and its error keeps SQLite's code and the constraint's name", async () => {
    const { db } = await fileDb();
    await db.insert(tasks).values(task("a", "kept"));
    const failure = await db
      .batch([
        db.insert(tasks).values(task("b", "rolled back")),
        db.insert(tasks).values(task("a", "duplicate")),
      ])
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(databaseFault(failure)).toBeUndefined();
    expect(String((failure as Error).message)).toMatch(/UNIQUE constraint failed: tasks\.external_id/);
    expect((failure as { code?: string }).code).toBe("SQLITE_CONSTRAINT");
    expect(await db.$count(tasks)).toBe(1);
    // The lease check is recognised by its constraint's name, wherever the batch ran.
    const lost = await db
      .batch([db.run(sql`update sync_lock set holder_run_id = -1 where id = 1`)])
      .catch((e) => e);
    expect(isLeaseLost(lost)).toBe(true);
  });

  it("sets a per-connection setting on both connections: a full disk stops the thread's commits too", async () => {
    const { db, client } = await fileDb();
    const [{ page_count }] = await db.all<{ page_count: number }>(sql`PRAGMA page_count`);
    await client.configureConnections(`PRAGMA max_page_count = ${page_count}`);
    const many = Array.from({ length: 2000 }, (_, i) =>
      task(`t${i}`, `a title long enough to need pages ${i}`),
    );
    const full = await db.batch([db.insert(tasks).values(many)]).catch((e) => e);
    expect(databaseFault(full)).toBe("full");
    expect(await db.$count(tasks)).toBe(0);
  });

  it("fails the batches of a thread that dies, and the next batch gets a new thread", async () => {
    const { db, client } = await fileDb();
    // A statement larger than the thread's heap ends it (ERR_WORKER_OUT_OF_MEMORY), as any crash would.
    const huge = Array.from({ length: 2000 }, () => ({
      sql: "select ?",
      args: Array.from({ length: 10_000 }, String),
    }));
    await expect(client.batch(huge)).rejects.toThrow(/write thread/);
    await db.batch([db.insert(tasks).values(task("a", "after the crash"))]);
    expect(await db.$count(tasks)).toBe(1);
  });

  it("refuses batches once closed, without starting a thread again", async () => {
    const { db, close } = await fileDb();
    close();
    await expect(db.batch([db.insert(tasks).values(task("a", "late"))])).rejects.toThrow(/closed/);
  });
});

describe("a commit whose answer the write thread lost", () => {
  // The batch committed, then the thread died before answering (its heap ran out copying the results, or it was
  // ended): the run's counts and checkpoint moved with it, so the run says the page was committed.
  it("ends the run partial after the committed page, not failed 'before any page was committed'", async () => {
    const opened = await fileDb();
    let batches = 0;
    const db = new Proxy(opened.db, {
      get(target, key, receiver) {
        if (key !== "batch") return Reflect.get(target, key, receiver);
        return async (statements: Parameters<Db["batch"]>[0]) => {
          const results = await target.batch(statements);
          // The lease's batch, then the first page's commit.
          if (++batches === 2) throw new Error("The write thread exited (code 1)");
          return results;
        };
      },
    });
    const h = buildHarness(db, "libsql", {
      env: { ...PAGE_BY_PAGE, SYNC_PAGE_SIZE: "10" },
      sim: { total: 30 },
    });
    await h.app.request("/api/sync", { method: "POST" });
    const [run] = await db.select().from(syncRuns);
    expect(await db.$count(tasks)).toBe(10);
    expect(run).toMatchObject({ status: "partial", pages: 1, created: 10 });
    expect(run!.message).toContain("after 1 committed page");
  });
});
