// The file client's statement cache (db/libsql-statements.ts) stays correct: reset between uses, bound like a
// fresh statement, bounded, read after a schema change, dropped with the connection; and a file connection's
// settings. What it answers is compared with @libsql/client as in libsql-file-client.test.ts.
import { createClient, type InArgs } from "@libsql/client";
import Database from "libsql";
import { describe, expect, it } from "vitest";
import { HealingClient } from "../../db/healing-client";
import { openFileConnection } from "../../db/libsql-connection";
import { createFileClient, type LibsqlFileClient } from "../../db/libsql-file-client";
import { MAX_CACHED_SQL_LENGTH, STATEMENT_CACHE_SIZE } from "../../db/libsql-statements";
import {
  cleanUpAfterEach,
  cleanups,
  expectSame,
  pair,
  resultShape,
  tempUrl,
  track,
} from "./libsql-file-support";

cleanUpAfterEach();

describe("the statement cache", () => {
  it("libsql resets a statement before each use: after an error, after a read not fully iterated", () => {
    const db = new Database(tempUrl().slice("file:".length));
    cleanups.push(() => db.close());
    db.exec("create table t (id integer primary key); insert into t values (1), (2), (3), (4)");
    const insert = db.prepare("insert into t values (?)");
    expect(() => insert.run([1])).toThrow(/UNIQUE/);
    expect(insert.run([5]).changes).toBe(1);
    const read = db.prepare("select id from t order by id");
    read.raw(true);
    const partial = read.iterate([]);
    expect(partial.next().value).toEqual([1]);
    expect(read.all([])).toEqual([[1], [2], [3], [4], [5]]);
  });

  it("a statement that failed, and one that failed mid-read, answer correctly the next time", async () => {
    const { old, ours } = await pair();
    const insert = "insert into t (name) values (?)";
    const overflowAfter =
      "select id, case when id > ? then abs(-9223372036854775807 - 1) else id end v from t";
    for (let i = 0; i < 3; i++) {
      await expectSame(old, ours, (c) => c.execute({ sql: insert, args: ["same"] }));
      await expectSame(old, ours, (c) => c.execute({ sql: insert, args: [`other ${i}`] }));
      await expectSame(old, ours, (c) => c.execute({ sql: overflowAfter, args: [1] }));
      await expectSame(old, ours, (c) => c.execute({ sql: overflowAfter, args: [100] }));
    }
    // A value the row conversion refuses after the statement ran (RangeError) leaves nothing behind either.
    await expectSame(old, ours, (c) => c.execute("select ? + 1 as v from t", [9007199254740992n]));
    await expectSame(old, ours, (c) => c.execute("select ? + 1 as v from t", [1n]));
  });

  it("binds what a fresh statement would: fewer positional values than last time are NULL", async () => {
    const { old, ours } = await pair();
    const sql = "select ? as a, ? as b, ? as c";
    for (const args of [[1, 2, 3], [4], [], [5, 6]]) await expectSame(old, ours, (c) => c.execute(sql, args));
    // The same text bound by name and by position.
    const mixed = "select :a as a, :b as b";
    const bindings: InArgs[] = [{ a: 1, b: 2 }, [3], { a: 4 }, [5, 6], { b: 7 }];
    for (const args of bindings) {
      await expectSame(old, ours, (c) => c.execute(mixed, args));
    }
    await expectSame(old, ours, (c) => c.execute({ sql: mixed }));
  });

  it("reuses statements, holds at most its bound, and still answers every statement right past it", async () => {
    const { old, ours } = await pair("number", 4);
    const client = ours as LibsqlFileClient;
    const before = client.statements.prepared;
    for (let i = 0; i < 10; i++) await client.execute("select count(*) from t");
    expect(client.statements.prepared).toBe(before + 1);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) {
        await expectSame(old, ours, (c) => c.execute({ sql: `select ${i} as i, ? as v`, args: [round] }));
        expect(client.statements.cached).toBeLessThanOrEqual(4);
      }
    }
    const full = track(createFileClient({ url: tempUrl() }));
    for (let i = 0; i < STATEMENT_CACHE_SIZE + 20; i++) {
      expect((await full.execute(`select ${i} as i`)).rows[0]!.i).toBe(i);
    }
    expect(full.statements.cached).toBe(STATEMENT_CACHE_SIZE);
  });

  it("does not keep a statement longer than its text bound", async () => {
    const client = track(createFileClient({ url: tempUrl() }));
    const long = `select 1 as one /* ${"x".repeat(MAX_CACHED_SQL_LENGTH)} */`;
    const { cached, prepared } = client.statements;
    for (let i = 0; i < 3; i++) expect((await client.execute(long)).rows[0]!.one).toBe(1);
    expect(client.statements).toEqual({ cached, prepared: prepared + 3 });
  });

  // Here the file client is right where @libsql/client is not: it reads the columns of a statement it prepared
  // on a connection that has not yet seen another connection's ALTER (the old names) and names the new value of
  // each row "undefined". The file client reads them after the rows, once SQLite has re-prepared the statement.
  it("reads a statement's columns as they are now, after another connection changed the schema", async () => {
    const { old, ours } = await pair();
    await expectSame(old, ours, (c) => c.execute("select * from t"));
    for (const client of [old, ours]) {
      const url = `file:${(await client.execute("select file from pragma_database_list")).rows[0]!.file}`;
      const other = track(createClient({ url }));
      await other.execute("alter table t add column extra text default 'e'");
      await other.execute("insert into t (name) values ('new')");
    }
    const [before, after] = [await old.execute("select * from t"), await ours.execute("select * from t")];
    expect(before.columns).not.toContain("extra");
    expect(Object.keys(before.rows[0]!)).toContain("undefined");
    expect(after.columns).toEqual([...before.columns, "extra"]);
    expect(after.columnTypes.at(-1)).toBe("TEXT");
    expect(resultShape(after).byIndex).toEqual(resultShape(before).byIndex);
    expect(after.rows[0]!.extra).toBe("e");
    // Both agree from the next call on.
    await expectSame(old, ours, (c) => c.execute("select * from t"));
  });

  it("close drops every statement; a busy error makes the healing client drop the connection and its cache", async () => {
    const url = tempUrl();
    const opened: LibsqlFileClient[] = [];
    const healing = track(
      new HealingClient(undefined, {
        busyWaitMs: 300,
        open: async () => {
          const client = createFileClient({ url, setup: ["PRAGMA busy_timeout = 20"] });
          opened.push(client);
          return client;
        },
      }),
    );
    await healing.execute("PRAGMA journal_mode = WAL");
    await healing.execute("create table t (id integer primary key, v text)");
    await healing.execute("insert into t (v) values ('a')");
    expect(opened[0]!.statements.cached).toBeGreaterThan(0);
    const holder = track(createClient({ url }));
    const lock = await holder.transaction("write");
    setTimeout(() => void lock.rollback(), 100);
    await healing.execute("insert into t (v) values ('b')");
    expect(healing.replacements).toBeGreaterThan(0);
    expect([opened[0]!.closed, opened[0]!.statements]).toEqual([true, { cached: 0, prepared: 0 }]);
    expect((await healing.execute("select v from t order by id")).rows.map((r) => r.v)).toEqual(["a", "b"]);
    const last = opened.at(-1)!;
    expect(last.statements.cached).toBeGreaterThan(0);
    healing.close();
    expect(last.statements).toEqual({ cached: 0, prepared: 0 });
  });
});

describe("openFileConnection", () => {
  it("applies the connection's settings, again after reconnect", async () => {
    const client = track(await openFileConnection(tempUrl(), 1234));
    const settings = async () =>
      Promise.all(
        ["busy_timeout", "synchronous", "cache_size"].map(
          async (name) => (await client.execute(`PRAGMA ${name}`)).rows[0]![0],
        ),
      );
    expect(await settings()).toEqual([100, 2, -1234]);
    client.reconnect();
    expect(await settings()).toEqual([100, 2, -1234]);
  });
});
