// The libSQL file client under a lock held by another connection: it waits, gives up with a typed error, and
// never acknowledges a write it did not commit (the @libsql/client 0.18 wedge, libsql-client-ts#352).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "@libsql/client";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { DatabaseBusyError } from "../../db/database-faults";
import { createLibsqlDb } from "../../db/libsql";

const dirs: string[] = [];
const clients: Client[] = [];

function tempUrl(): string {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-heal-"));
  dirs.push(dir);
  return `file:${join(dir, "db.sqlite")}`;
}

function open(url: string, busyTimeoutMs?: number): Promise<Client> {
  const client = createClient({ url });
  clients.push(client);
  return busyTimeoutMs === undefined
    ? Promise.resolve(client)
    : client.execute(`PRAGMA busy_timeout = ${busyTimeoutMs}`).then(() => client);
}

/** Another connection takes the write lock now and holds it until `release` is called. */
async function holdWriteLock(url: string) {
  const tx = await (await open(url)).transaction("write");
  return { release: () => tx.rollback() };
}

/** What a connection opened after everything else sees: only what was committed. */
async function committedValue(url: string, id: number): Promise<string | null> {
  const fresh = await open(url);
  const { rows } = await fresh.execute({ sql: "select v from t where id = ?", args: [id] });
  fresh.close();
  return (rows[0]?.v as string | null | undefined) ?? null;
}

async function fileDb(busyWaitMs: number) {
  const url = tempUrl();
  const opened = await createLibsqlDb(url, { busyWaitMs });
  await opened.db.run(sql`create table t (id integer primary key, v text)`);
  await opened.db.run(sql`insert into t values (1, null), (2, null)`);
  return { url, ...opened };
}

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the pinned @libsql/client on a file (why the healing client exists)", () => {
  it("still acknowledges a write it never commits after a busy error: drop the healing client when this fails", async () => {
    const url = tempUrl();
    const victim = await open(url, 50);
    await victim.execute("create table t (id integer primary key, v text)");
    await victim.execute("insert into t values (1, null)");
    const lock = await holdWriteLock(url);
    await expect(victim.execute("update t set v = 'lost' where id = 1 returning id")).rejects.toThrow(/BUSY/);
    await lock.release();
    // The lock is free, the update reports success and this connection reads it back…
    await victim.execute("update t set v = 'acknowledged' where id = 1");
    expect((await victim.execute("select v from t where id = 1")).rows[0]?.v).toBe("acknowledged");
    // …but it sits in an implicit transaction that the busy-failed statement keeps open: nothing committed.
    expect(await committedValue(url, 1)).toBeNull();
  });
});

describe("the healing libSQL client", () => {
  it("waits out a lock shorter than its bound, then commits", async () => {
    const { url, db } = await fileDb(5000);
    const lock = await holdWriteLock(url);
    setTimeout(() => void lock.release(), 600);
    const started = performance.now();
    await db.run(sql`update t set v = 'waited' where id = 1`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(500);
    expect(await committedValue(url, 1)).toBe("waited");
  });

  it("gives up with DatabaseBusyError at its bound, and the first write after the release commits", async () => {
    const { url, db, client } = await fileDb(400);
    const lock = await holdWriteLock(url);
    await expect(db.run(sql`update t set v = 'refused' where id = 1 returning id`)).rejects.toSatisfy(
      (err) => (err as { cause?: unknown }).cause instanceof DatabaseBusyError,
    );
    await expect(db.batch([db.run(sql`update t set v = 'refused' where id = 2`)])).rejects.toBeInstanceOf(
      DatabaseBusyError,
    );
    await lock.release();

    // Both shapes that wedged the raw client: an autocommit write and a batch (its COMMIT).
    await db.run(sql`update t set v = 'after' where id = 1`);
    await db.batch([db.run(sql`update t set v = 'after' where id = 2`)]);
    expect(await committedValue(url, 1)).toBe("after");
    expect(await committedValue(url, 2)).toBe("after");
    expect((client as { replacements?: number }).replacements).toBeGreaterThan(0);
  });

  it("answers reads while a write waits for the lock", async () => {
    const { url, db } = await fileDb(3000);
    const lock = await holdWriteLock(url);
    const write = db.run(sql`update t set v = 'late' where id = 1`);
    await new Promise((r) => setTimeout(r, 150));
    const started = performance.now();
    const rows = await db.all<{ v: string | null }>(sql`select v from t where id = 1`);
    expect(rows).toEqual([{ v: null }]);
    // A read goes between the write's tries; SQLite's own busy wait (100 ms a try) is the most it can meet.
    expect(performance.now() - started).toBeLessThan(400);
    await lock.release();
    await write;
    expect(await committedValue(url, 1)).toBe("late");
  });
});
