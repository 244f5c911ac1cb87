// The file client that keeps prepared statements (db/libsql-file-client.ts) answers exactly as @libsql/client's
// createClient does for the same statements — results, rows, integer modes, arguments, errors, batches,
// transactions — and its statement cache stays correct: reset between uses, bounded, dropped with the connection.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Client,
  createClient,
  type InArgs,
  type InStatement,
  type IntMode,
  type ResultSet,
} from "@libsql/client";
import Database from "libsql";
import { afterEach, describe, expect, it } from "vitest";
import { databaseFault } from "../../db/database-faults";
import { HealingClient } from "../../db/healing-client";
import { openFileConnection } from "../../db/libsql-connection";
import { createFileClient, type LibsqlFileClient } from "../../db/libsql-file-client";
import { MAX_CACHED_SQL_LENGTH, STATEMENT_CACHE_SIZE } from "../../db/libsql-statements";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempUrl(): string {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-fileclient-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return `file:${join(dir, "db.sqlite")}`;
}

function track<T extends { close(): void }>(client: T): T {
  cleanups.push(() => client.close());
  return client;
}

/** The same fresh schema through @libsql/client (`old`) and the file client (`ours`), each on its own file. */
async function pair(intMode: IntMode = "number", cacheSize?: number) {
  const old = track(createClient({ url: tempUrl(), intMode, concurrency: 1 }));
  const ours = track(createFileClient({ url: tempUrl(), intMode, cacheSize }));
  for (const client of [old, ours]) {
    await client.execute(`create table t (id integer primary key, name text unique, n integer, r real,
      b blob, flag integer, d integer, note text check (note is null or note <> 'bad'))`);
  }
  return { old, ours };
}

const bytes = (value: unknown) =>
  value instanceof ArrayBuffer ? { bytes: [...new Uint8Array(value)] } : value;

/** Everything a caller can read of a row: keys in order, and each property's value and attributes. */
function rowShape(row: object) {
  return Reflect.ownKeys(row).map((key) => {
    const { value, ...attributes } = Object.getOwnPropertyDescriptor(row, key)!;
    return [String(key), bytes(value), attributes];
  });
}

function resultShape(rs: ResultSet) {
  return {
    class: rs.constructor.name,
    columns: rs.columns,
    columnTypes: rs.columnTypes,
    rowsAffected: rs.rowsAffected,
    lastInsertRowid: rs.lastInsertRowid,
    rows: rs.rows.map(rowShape),
    byIndex: rs.rows.map((row) => Array.from(row, bytes)),
    byName: rs.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, bytes(v)]))),
    json: JSON.stringify(rs.toJSON()),
  };
}

function errorShape(err: unknown): unknown {
  if (!(err instanceof Error)) return { thrown: err };
  const e = err as Error & Record<string, unknown>;
  return {
    class: e.constructor.name,
    name: e.name,
    message: e.message,
    code: e.code,
    extendedCode: e.extendedCode,
    rawCode: e.rawCode,
    statementIndex: e.statementIndex,
    cause: e.cause === undefined ? undefined : errorShape(e.cause),
    fault: databaseFault(e),
  };
}

/** What an operation answers: its results' shapes, or its error's. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    const got = await run();
    if (got === undefined) return "done";
    return Array.isArray(got) ? got.map(resultShape) : resultShape(got as ResultSet);
  } catch (err) {
    return errorShape(err);
  }
}

async function expectSame(old: Client, ours: Client, run: (c: Client) => Promise<unknown>) {
  const expected = await outcome(() => run(old));
  expect(await outcome(() => run(ours))).toEqual(expected);
  return expected;
}

const STATEMENTS: InStatement[] = [
  {
    sql: "insert into t (name, n, r, b, flag, d) values (?, ?, ?, ?, ?, ?)",
    args: ["a", 1, 1.5, null, true, 7],
  },
  {
    sql: "insert into t (name, n, b, flag, d) values (:name, @n, $b, :flag, :d)",
    args: {
      ":name": "b",
      "@n": 2n,
      $b: new Uint8Array([1, 2, 3]).buffer,
      flag: false,
      d: new Date(86_400_000),
    },
  },
  { sql: "insert into t (name, n) values (?, ?) returning id, name, n", args: ["c", -3] },
  "insert into t (name) values ('d'), ('e')",
  { sql: "update t set n = n + 1 where id > ?", args: [1] },
  "select * from t order by id",
  "select id, name as id, n from t order by id",
  // Names a row already has (an index, length) or that assignment would not make a property of (__proto__).
  'select 1 as "__proto__", 2 as "length", 3 as "0", 4 as "constructor", 5 as "toString"',
  "select count(*), sum(n), avg(r), group_concat(name) from t",
  { sql: "select b, typeof(b), length(b) from t where name = ?", args: ["b"] },
  { sql: "select ? as a, ? as b, ? as c", args: [null, "x", 2.25] },
  { sql: "select * from t where name = :name", args: { name: "c" } },
  { sql: "select * from t where id = ?", args: [999] },
  "select 9007199254740991 as max_safe, -9007199254740991 as min_safe",
  "delete from t where name = 'e'",
  "pragma table_info(t)",
];

describe("the file client answers as @libsql/client does", () => {
  for (const intMode of ["number", "bigint", "string"] as const) {
    it(`results, rows by index and by name, rows affected, insert ids (intMode ${intMode}), twice`, async () => {
      const { old, ours } = await pair(intMode);
      // The second round runs every statement from the cache.
      for (let round = 0; round < 2; round++) {
        for (const stmt of STATEMENTS) await expectSame(old, ours, (c) => c.execute(stmt));
      }
      expect((ours as LibsqlFileClient).statements.prepared).toBeLessThan(STATEMENTS.length + 5);
    });
  }

  it("integers beyond the safe range: RangeError in number mode, exact in bigint and string modes", async () => {
    for (const intMode of ["number", "bigint", "string"] as const) {
      const { old, ours } = await pair(intMode);
      const big = await expectSame(old, ours, (c) => c.execute("select 9007199254740993 as big, 1 as small"));
      expect(JSON.stringify(big, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))).toMatch(
        intMode === "number" ? /RangeError/ : /9007199254740993/,
      );
      await expectSame(old, ours, (c) => c.execute("select 1 as small"));
    }
  });

  it("argument errors: undefined, non-finite numbers, bigints past 64 bits", async () => {
    const { old, ours } = await pair();
    const bad: InStatement[] = [
      { sql: "select ?", args: [undefined as unknown as null] },
      { sql: "select ?", args: [Number.NaN] },
      { sql: "select :x", args: { x: Number.POSITIVE_INFINITY } },
      { sql: "select ?", args: [2n ** 64n] },
    ];
    for (const stmt of bad) {
      expect(await expectSame(old, ours, (c) => c.execute(stmt))).toMatchObject({ class: /Error/ });
    }
  });

  it("SQL errors: constraint (unique, check), syntax, missing table, with the same codes", async () => {
    const { old, ours } = await pair();
    await expectSame(old, ours, (c) => c.execute("insert into t (name) values ('dup')"));
    const errors = [
      await expectSame(old, ours, (c) => c.execute("insert into t (name) values ('dup')")),
      await expectSame(old, ours, (c) => c.execute("insert into t (name, note) values ('x', 'bad')")),
      await expectSame(old, ours, (c) => c.execute("selec 1")),
      await expectSame(old, ours, (c) => c.execute("select * from missing")),
    ];
    expect(errors).toMatchObject([
      { class: "LibsqlError", code: "SQLITE_CONSTRAINT", extendedCode: "SQLITE_CONSTRAINT_UNIQUE" },
      { class: "LibsqlError", code: "SQLITE_CONSTRAINT", extendedCode: "SQLITE_CONSTRAINT_CHECK" },
      { class: "LibsqlError", code: "SQLITE_ERROR" },
      { class: "LibsqlError", code: "SQLITE_ERROR" },
    ]);
  });

  it("SQLITE_BUSY while another connection holds the write lock", async () => {
    const { old, ours } = await pair();
    const shapes = [];
    for (const client of [old, ours]) {
      await client.execute("PRAGMA journal_mode = WAL");
      await client.execute("PRAGMA busy_timeout = 20");
    }
    for (const client of [old, ours]) {
      const url = `file:${(await client.execute("select file from pragma_database_list")).rows[0]!.file}`;
      const holder = track(createClient({ url }));
      const lock = await holder.transaction("write");
      shapes.push(await outcome(() => client.execute("insert into t (name) values ('blocked')")));
      await lock.rollback();
    }
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[0]).toMatchObject({ class: "LibsqlError", code: "SQLITE_BUSY", fault: "busy" });
  });

  it("batches: one transaction, a failure rolls back every statement and names its index", async () => {
    const { old, ours } = await pair();
    await expectSame(old, ours, (c) =>
      c.batch(
        [
          "insert into t (name) values ('one')",
          ["insert into t (name, n) values (?, ?) returning id", ["two", 2]],
          { sql: "select name, n from t order by id", args: [] },
        ],
        "write",
      ),
    );
    const failed = await expectSame(old, ours, (c) =>
      c.batch([
        "insert into t (name) values ('three')",
        "update t set n = 5",
        "insert into t (name) values ('one')",
      ]),
    );
    expect(failed).toMatchObject({ class: "LibsqlBatchError", statementIndex: 2, code: "SQLITE_CONSTRAINT" });
    await expectSame(old, ours, (c) => c.execute("select name, n from t order by id"));
    await expectSame(old, ours, (c) => c.batch(["select 1"], "read"));
    await expectSame(old, ours, (c) => c.batch(["select 1"], "nonsense" as "read"));
    await expectSame(old, ours, (c) => c.batch(["insert into t (name) values ('x')", "commit", "select 1"]));
    await expectSame(old, ours, (c) => c.execute("select name from t order by id"));
  });

  it("migrate, executeMultiple, and an operation that leaves a transaction open (rolled back)", async () => {
    const { old, ours } = await pair();
    await expectSame(old, ours, (c) =>
      c.migrate(["create table m (x)", { sql: "insert into m values (?)", args: [1] }]),
    );
    await expectSame(old, ours, (c) =>
      c.migrate(["insert into m values (2)", "insert into nowhere values (1)"]),
    );
    await expectSame(old, ours, (c) =>
      c.executeMultiple("insert into m values (3); insert into m values (4);"),
    );
    await expectSame(old, ours, (c) => c.executeMultiple("begin; insert into m values (5);"));
    await expectSame(old, ours, (c) => c.executeMultiple("insert into m values (6); nonsense;"));
    await expectSame(old, ours, (c) => c.execute("begin"));
    await expectSame(old, ours, (c) => c.execute("select x from m order by x"));
    await expectSame(old, ours, (c) => c.execute("pragma foreign_keys"));
  });

  it("interactive transactions: commit, rollback, and the client refuses other work meanwhile", async () => {
    const { old, ours } = await pair();
    for (const client of [old, ours]) {
      const tx = await client.transaction("write");
      await tx.execute("insert into t (name) values ('in tx')");
      await tx.batch([
        "insert into t (name) values ('batched')",
        { sql: "select count(*) from t", args: [] },
      ]);
      expect(await outcome(() => client.execute("select 1"))).toMatchObject({ code: "TRANSACTION_ACTIVE" });
      await tx.commit();
      expect(tx.closed).toBe(true);
      const undone = await client.transaction("deferred");
      await undone.execute({ sql: "insert into t (name) values (?)", args: ["undone"] });
      await undone.rollback();
      const closed = await client.transaction();
      closed.close();
    }
    await expectSame(old, ours, (c) => c.execute("select name from t order by id"));
    const same = async (c: Client) => {
      const tx = await c.transaction("write");
      await tx.execute("commit");
      try {
        return await tx.execute("select 1");
      } finally {
        tx.close();
      }
    };
    expect(await expectSame(old, ours, same)).toMatchObject({ code: "TRANSACTION_CLOSED" });
    const batchAfterCommit = async (c: Client) => {
      const tx = await c.transaction("write");
      try {
        return await tx.batch([
          "insert into t (name) values ('before')",
          "commit",
          "insert into t (name) values ('after')",
        ]);
      } finally {
        tx.close();
      }
    };
    expect(await expectSame(old, ours, batchAfterCommit)).toMatchObject({ statementIndex: 2 });
    await expectSame(old, ours, (c) => c.execute("select name from t order by id"));
  });

  it("closed: operations fail with CLIENT_CLOSED; reconnect opens the file again", async () => {
    const { old, ours } = await pair();
    for (const client of [old, ours]) client.close();
    expect([old.closed, ours.closed]).toEqual([true, true]);
    await expectSame(old, ours, (c) => c.execute("select 1"));
    await expectSame(old, ours, (c) => c.batch(["select 1"]));
    await expectSame(old, ours, (c) => c.transaction().then(() => undefined));
    for (const client of [old, ours]) client.reconnect();
    await expectSame(old, ours, (c) => c.execute("select count(*) from t"));
  });

  it("opening: the same URL errors, and a directory that does not exist", async () => {
    for (const url of [
      "file://host/db",
      "file://:8080/db",
      "file:/tmp/x.db?mode=ro",
      "file:/nonexistent-dir/a/b.db",
    ]) {
      const expected = await outcome(async () => void createClient({ url }).close());
      expect(await outcome(async () => void createFileClient({ url }).close()), url).toEqual(expected);
    }
    expect(await outcome(async () => void createFileClient({ url: "http://example.com" }))).toMatchObject({
      code: "URL_SCHEME_NOT_SUPPORTED",
    });
  });
});

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
