// Batches and interactive transactions on a StatementConnection, as @libsql/client 0.18.0 runs them
// (lib-esm/sqlite3.js: Sqlite3Client.batch and migrate, Sqlite3Transaction): the same checks, the same errors.
import {
  type InArgs,
  type InStatement,
  type IntMode,
  LibsqlBatchError,
  LibsqlError,
  type ResultSet,
  type Transaction,
} from "@libsql/client";
import type { StatementConnection } from "./libsql-statements";

export type BatchStatement = InStatement | [string, InArgs?];

const normalized = (stmt: BatchStatement): InStatement =>
  Array.isArray(stmt) ? { sql: stmt[0], args: stmt[1] || [] } : stmt;

/** `execute(sql, args)` or `execute(statement)`, as one statement. */
export const statementOf = (stmtOrSql: InStatement, args?: InArgs): InStatement =>
  typeof stmtOrSql === "string" ? { sql: stmtOrSql, args: args || [] } : stmtOrSql;

/** The connection of a batch's statement `i`, once it is known to be still inside the batch's transaction. */
export const inTransaction = (conn: StatementConnection) => (i: number) => {
  if (!conn.inTransaction)
    throw new LibsqlBatchError("The transaction has been rolled back", i, "TRANSACTION_CLOSED");
  return conn;
};

/** Runs `stmts` in order, each on `connection(i)`; a failure is a LibsqlBatchError naming the statement. */
export function runAll(
  stmts: readonly BatchStatement[],
  intMode: IntMode,
  connection: (i: number) => StatementConnection,
): ResultSet[] {
  const results: ResultSet[] = [];
  for (let i = 0; i < stmts.length; i++) {
    try {
      results.push(connection(i).execute(normalized(stmts[i]!), intMode));
    } catch (e) {
      if (e instanceof LibsqlBatchError) throw e;
      if (e instanceof LibsqlError) {
        const cause = e.cause instanceof Error ? e.cause : undefined;
        throw new LibsqlBatchError(e.message, i, e.code, e.extendedCode, e.rawCode, cause);
      }
      throw e;
    }
  }
  return results;
}

/** An interactive transaction on the client's connection, as @libsql/client's Sqlite3Transaction. */
export class FileTransaction implements Transaction {
  #conn: StatementConnection | null;

  constructor(
    conn: StatementConnection,
    readonly intMode: IntMode,
    /** Gives the connection back to the client (which rolls back what is still open). */
    readonly release: (conn: StatementConnection) => void,
  ) {
    this.#conn = conn;
  }

  async execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    return this.#connection().execute(statementOf(stmtOrSql, args), this.intMode);
  }

  async batch(stmts: InStatement[]): Promise<ResultSet[]> {
    return runAll(stmts, this.intMode, () => this.#connection());
  }

  async executeMultiple(sql: string): Promise<void> {
    this.#connection().exec(sql);
  }

  async rollback(): Promise<void> {
    const conn = this.#conn;
    if (conn === null || !conn.open) {
      this.#settle();
      return;
    }
    try {
      this.#checkNotClosed();
      conn.execute("ROLLBACK", this.intMode);
    } finally {
      this.#settle();
    }
  }

  async commit(): Promise<void> {
    try {
      this.#connection().execute("COMMIT", this.intMode);
    } finally {
      this.#settle();
    }
  }

  close(): void {
    const conn = this.#conn;
    if (conn === null) return;
    try {
      if (conn.open && conn.inTransaction) conn.execute("ROLLBACK", this.intMode);
    } finally {
      this.#settle();
    }
  }

  get closed(): boolean {
    const conn = this.#conn;
    if (conn === null || !conn.open) return true;
    return !conn.inTransaction;
  }

  #settle() {
    const conn = this.#conn;
    if (conn === null) return;
    this.#conn = null;
    this.release(conn);
  }

  #connection(): StatementConnection {
    this.#checkNotClosed();
    return this.#conn!;
  }

  #checkNotClosed() {
    if (this.closed) throw new LibsqlError("The transaction is closed", "TRANSACTION_CLOSED");
  }
}
