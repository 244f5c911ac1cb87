// One libSQL connection whose prepared statements are kept, by SQL text, in a bounded LRU cache; and the one way a
// statement runs on it, converted exactly as @libsql/client 0.18.0's embedded driver does (lib-esm/sqlite3.js:
// executeStmt, valueToSql, rowFromSql, valueFromSql, mapSqliteError), so callers see the same results and errors.
//
// Why keep statements: that driver prepares every statement anew, which compiles it each time (~95 µs of a
// ~410 µs task-list call; ~96 ms of a 100,000-task sync on the write thread, whose upsert compiles the FTS
// triggers, partial indexes and checks).
//
// Reusing a statement is safe because libsql 0.5.29 resets it before each use: `run` and `iterate` (so `all`)
// call sqlite3_reset first (src/statement.rs: js_run, js_rows_sync). A reset keeps the previous bindings, though,
// so a positional call binding fewer values than an earlier one pads the rest with NULL, as a fresh statement
// reads them; a named call binds every parameter (a missing name binds NULL).
import { Buffer } from "node:buffer";
import {
  type InArgs,
  type InStatement,
  type IntMode,
  type InValue,
  LibsqlError,
  type ResultSet,
  type Row,
  type Value,
} from "@libsql/client";
import { ResultSetImpl } from "@libsql/core/util";
import Database from "libsql";

/**
 * At most this many statements a connection: the sync's statements, the lease and run bookkeeping, and the
 * task-list shapes a dashboard uses stay cached, while a client walking through all the list's shapes
 * (db/task-list.ts keeps up to 256 texts) only churns the oldest. A statement is SQLite memory outside the JS
 * heap: 128 copies of the sync's upsert (the largest, with its triggers) held 3–4 MB of RSS, so a full cache
 * costs at most a few MB per connection (there are two: the main thread's and the write thread's).
 */
export const STATEMENT_CACHE_SIZE = 128;
/** Longer texts are prepared for one use, as before: statements that carry their values in the text. */
export const MAX_CACHED_SQL_LENGTH = 8 * 1024;

type Statement = Database.Statement;
type SqlArgs = unknown[] | Record<string, unknown>;

type Cached = {
  readonly stmt: Statement;
  /** Whether it returns rows (`raw(true)` throws for one that does not, as in @libsql/client). */
  readonly reader: boolean;
  /** Bound by name (every parameter each time) or by position (`positional` values the last time at most). */
  readonly named: boolean;
  positional: number;
};

// The cache is a Map in insertion order: a hit moves its entry to the end, the first entry is the least recently
// used. Simpler than the `lru-cache` package for this: there is nothing to hook on eviction (libsql 0.5.29's
// Statement has no finalize; dropping the last reference lets the garbage collector finalize it, as it finalizes
// every statement @libsql/client prepares), no TTL, no size function, and it is a dozen lines.
export class StatementConnection {
  readonly #db: Database.Database;
  readonly #cache = new Map<string, Cached>();
  /** Statements prepared on this connection (cache misses), for tests and diagnostics. */
  prepared = 0;

  constructor(
    path: string,
    readonly capacity = STATEMENT_CACHE_SIZE,
  ) {
    this.#db = new Database(path);
  }

  get open(): boolean {
    return this.#db.open;
  }

  get inTransaction(): boolean {
    return this.#db.inTransaction;
  }

  /** Statements held in the cache now. */
  get cached(): number {
    return this.#cache.size;
  }

  /** Drops every cached statement and closes the connection (SQLite closes it once the last one is finalized). */
  close(): void {
    this.#cache.clear();
    try {
      if (this.#db.open) this.#db.close();
    } catch {
      // nothing useful to do while tearing down
    }
  }

  exec(sql: string): void {
    try {
      this.#db.exec(sql);
    } catch (e) {
      throw mapSqliteError(e);
    }
  }

  sync(): { frames_synced: number; frame_no: number } {
    return this.#db.sync();
  }

  execute(stmt: InStatement, intMode: IntMode): ResultSet {
    let sql: string;
    let args: SqlArgs;
    if (typeof stmt === "string") {
      sql = stmt;
      args = [];
    } else {
      sql = stmt.sql;
      args = argsToSql(stmt.args, intMode);
    }
    let cached: Cached | undefined;
    try {
      cached = this.#statement(sql, !Array.isArray(args));
      if (Array.isArray(args)) args = padded(cached, args);
      if (cached.reader) {
        const rows = cached.stmt.all(args) as unknown[][];
        // Read after the rows: a schema change since the last use re-prepares the statement as it steps.
        const described = cached.stmt.columns();
        const columns = described.map((col) => col.name);
        const columnTypes = described.map((col) => col.type ?? "");
        const result = rows.map((row) => rowFromSql(row, columns, intMode));
        return new ResultSetImpl(columns, columnTypes, result, 0, undefined);
      }
      const info = cached.stmt.run(args);
      return new ResultSetImpl([], [], [], info.changes, BigInt(info.lastInsertRowid));
    } catch (e) {
      // A statement that failed is never reused: it goes the way every statement went before (to the collector),
      // so none that a busy error left in progress (see healing-client.ts) is stepped again.
      if (cached && this.#cache.get(sql) === cached) this.#cache.delete(sql);
      throw mapSqliteError(e);
    }
  }

  #statement(sql: string, named: boolean): Cached {
    const hit = this.#cache.get(sql);
    if (hit !== undefined && hit.named === named) {
      this.#cache.delete(sql);
      this.#cache.set(sql, hit);
      return hit;
    }
    const stmt = this.#db.prepare(sql);
    this.prepared++;
    stmt.safeIntegers(true);
    let reader = true;
    try {
      stmt.raw(true);
    } catch {
      reader = false;
    }
    const cached: Cached = { stmt, reader, named, positional: 0 };
    // The same text bound the other way (rare) is prepared for that one use and the cached one kept.
    if (hit === undefined && sql.length <= MAX_CACHED_SQL_LENGTH) {
      if (this.#cache.size >= this.capacity) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(sql, cached);
    }
    return cached;
  }
}

function padded(cached: Cached, args: unknown[]): unknown[] {
  if (args.length >= cached.positional) {
    cached.positional = args.length;
    return args;
  }
  const all = args.slice();
  while (all.length < cached.positional) all.push(null);
  return all;
}

// As @libsql/client: an array binds by position; anything else (an object, or no args at all) binds by name,
// with the name's `@`, `$` or `:` prefix dropped.
function argsToSql(args: InArgs | undefined, intMode: IntMode): SqlArgs {
  if (Array.isArray(args)) return args.map((value) => valueToSql(value, intMode));
  const named: Record<string, unknown> = {};
  for (const name in args) {
    const argName = name[0] === "@" || name[0] === "$" || name[0] === ":" ? name.substring(1) : name;
    named[argName] = valueToSql(args[name]!, intMode);
  }
  return named;
}

// The driver's row, property for property: `length` and each index read-only and hidden, each column's first
// value under its name. A name is assigned rather than defined (the same attributes: enumerable, writable,
// configurable), which halves the cost of a row (51 rows of 28 columns: ~0.65 → ~0.33 ms).
function rowFromSql(sqlRow: unknown[], columns: string[], intMode: IntMode): Row {
  const row = {} as Record<string | number, unknown>;
  // make sure that the "length" property is not enumerable
  Object.defineProperty(row, "length", { value: sqlRow.length });
  for (let i = 0; i < sqlRow.length; ++i) {
    const value = valueFromSql(sqlRow[i], intMode);
    Object.defineProperty(row, i, { value });
    const column = columns[i]!;
    if (Object.hasOwn(row, column)) continue;
    // Assigning `__proto__` would replace the prototype instead of making a property.
    if (column === "__proto__")
      Object.defineProperty(row, column, { value, enumerable: true, configurable: true, writable: true });
    else row[column] = value;
  }
  return row as unknown as Row;
}

const minSafeBigint = -9007199254740991n;
const maxSafeBigint = 9007199254740991n;
const minInteger = -9223372036854775808n;
const maxInteger = 9223372036854775807n;

function valueFromSql(sqlValue: unknown, intMode: IntMode): Value {
  if (typeof sqlValue === "bigint") {
    if (intMode === "number") {
      if (sqlValue < minSafeBigint || sqlValue > maxSafeBigint) {
        throw new RangeError("Received integer which cannot be safely represented as a JavaScript number");
      }
      return Number(sqlValue);
    }
    if (intMode === "bigint") return sqlValue;
    if (intMode === "string") return `${sqlValue}`;
    throw new Error("Invalid value for IntMode");
  }
  if (sqlValue instanceof Buffer) return sqlValue.buffer as ArrayBuffer;
  return sqlValue as Value;
}

function valueToSql(value: InValue, intMode: IntMode): unknown {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new RangeError("Only finite numbers (not Infinity or NaN) can be passed as arguments");
    }
    return value;
  }
  if (typeof value === "bigint") {
    if (value < minInteger || value > maxInteger) {
      throw new RangeError(
        "bigint is too large to be represented as a 64-bit integer and passed as argument",
      );
    }
    return value;
  }
  if (typeof value === "boolean") {
    if (intMode === "bigint") return value ? 1n : 0n;
    if (intMode === "string") return value ? "1" : "0";
    return value ? 1 : 0;
  }
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value instanceof Date) return value.valueOf();
  if (value === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return value;
}

/** libsql's SqliteError as @libsql/client reports it: `code` is the base code, `extendedCode` libsql's code. */
export function mapSqliteError(e: unknown): unknown {
  if (e instanceof Database.SqliteError) {
    const { code: extendedCode, rawCode } = e as { code: string; rawCode?: number };
    return new LibsqlError(e.message, baseCode(rawCode), extendedCode, rawCode, e);
  }
  return e;
}

// Extended result codes are (base | (extended << 8)), so base = rawCode & 0xff.
function baseCode(rawCode: number | undefined): string {
  if (rawCode === undefined) return "SQLITE_UNKNOWN";
  const base = rawCode & 0xff;
  return SQLITE_CODES[base - 1] ?? `SQLITE_UNKNOWN_${base.toString()}`;
}

// SQLite's base result codes 1..28, in order.
const SQLITE_CODES = [
  "ERROR",
  "INTERNAL",
  "PERM",
  "ABORT",
  "BUSY",
  "LOCKED",
  "NOMEM",
  "READONLY",
  "INTERRUPT",
  "IOERR",
  "CORRUPT",
  "NOTFOUND",
  "FULL",
  "CANTOPEN",
  "PROTOCOL",
  "EMPTY",
  "SCHEMA",
  "TOOBIG",
  "CONSTRAINT",
  "MISMATCH",
  "MISUSE",
  "NOLFS",
  "AUTH",
  "FORMAT",
  "RANGE",
  "NOTADB",
  "NOTICE",
  "WARNING",
].map((name) => `SQLITE_${name}`);
