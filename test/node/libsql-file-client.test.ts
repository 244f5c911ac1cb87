// The file client that keeps prepared statements (db/libsql-file-client.ts) answers exactly as @libsql/client's
// createClient does for the same statements — results, rows, integer modes, arguments, errors, batches,
// transactions. Its statement cache: libsql-statement-cache.test.ts.
import { type Client, createClient, type InStatement } from "@libsql/client";
import { describe, expect, it } from "vitest";
import { createFileClient, type LibsqlFileClient } from "../../db/libsql-file-client";
import { cleanUpAfterEach, expectSame, outcome, pair, track } from "./libsql-file-support";

cleanUpAfterEach();

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
