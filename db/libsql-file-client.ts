// A @libsql/client `Client` for a local libSQL file over the `libsql` package directly, with one connection that
// keeps its prepared statements (db/libsql-statements.ts). Everything else is what @libsql/client 0.18.0's
// `createClient({ url, concurrency: 1 })` does (lib-esm/sqlite3.js: Sqlite3Client, ConnectionPool,
// Sqlite3Transaction): the same URL rules, results, errors, batch, migrate and transaction semantics, so drizzle,
// HealingClient, ThreadedClient, databaseFault() and isLeaseLost() read it as they read that client.
//
// The cache belongs to the connection: closing the client, replacing the connection (reconnect, or a connection
// dropped after a failed rollback) drops every statement with it. HealingClient closes the whole client after a
// busy error, so no statement outlives the connection that a busy error left wedged.
import {
  type Client,
  type InArgs,
  type InStatement,
  type IntMode,
  LibsqlError,
  type Replicated,
  type ResultSet,
  type Transaction,
  type TransactionMode,
} from "@libsql/client";
import { expandConfig, isInMemoryConfig } from "@libsql/core/config";
import { supportedUrlLink, transactionModeToBegin } from "@libsql/core/util";
import {
  type BatchStatement,
  FileTransaction,
  inTransaction,
  runAll,
  statementOf,
} from "./libsql-file-transaction";
import { STATEMENT_CACHE_SIZE, StatementConnection } from "./libsql-statements";

export type FileClientConfig = {
  /** A `file:` URL, as `createClient` takes it. */
  url: string;
  intMode?: IntMode;
  /** Per-connection statements (PRAGMAs) run on every connection this client opens. */
  setup?: readonly string[];
  /** Statements kept per connection. */
  cacheSize?: number;
};

const HELD =
  "This client has a single connection, which an open transaction is holding. " +
  "In-memory databases and embedded replicas cannot have more than one. " +
  "Commit or roll back the transaction before using the client again.";

/** The path `createClient` would open for `url`, with its URL checks and errors. */
function filePath(url: string): string {
  const config = expandConfig({ url }, true);
  if (config.scheme !== "file") {
    throw new LibsqlError(
      `URL scheme ${JSON.stringify(`${config.scheme}:`)} is not supported by the local sqlite3 client. ` +
        `For more information, please read ${supportedUrlLink}`,
      "URL_SCHEME_NOT_SUPPORTED",
    );
  }
  const authority = config.authority;
  if (authority !== undefined) {
    const host = authority.host.toLowerCase();
    if (host !== "" && host !== "localhost") {
      throw new LibsqlError(
        `Invalid host in file URL: ${JSON.stringify(authority.host)}. ` +
          'A "file:" URL with an absolute path should start with one slash ("file:/absolute/path.db") ' +
          'or with three slashes ("file:///absolute/path.db"). ' +
          `For more information, please read ${supportedUrlLink}`,
        "URL_INVALID",
      );
    }
    if (authority.port !== undefined) throw new LibsqlError("File URL cannot have a port", "URL_INVALID");
    if (authority.userinfo !== undefined) {
      throw new LibsqlError("File URL cannot have username and password", "URL_INVALID");
    }
  }
  return isInMemoryConfig(config) ? `${config.scheme}:${config.path}` : config.path;
}

/** Opens the file now (an error says why it cannot be used) and runs `setup` on the connection. */
export function createFileClient(config: FileClientConfig): LibsqlFileClient {
  return new LibsqlFileClient(filePath(config.url), config);
}

export class LibsqlFileClient implements Client {
  closed = false;
  readonly protocol = "file";
  readonly #path: string;
  readonly #intMode: IntMode;
  readonly #setup: readonly string[];
  readonly #cacheSize: number;
  #conn: StatementConnection | undefined;
  #tx: FileTransaction | undefined;

  constructor(path: string, config: Omit<FileClientConfig, "url">) {
    this.#path = path;
    this.#intMode = config.intMode ?? "number";
    this.#setup = config.setup ?? [];
    this.#cacheSize = config.cacheSize ?? STATEMENT_CACHE_SIZE;
    this.#conn = this.#open();
  }

  /** The current connection's statements: held in its cache, and prepared so far (zeros once closed). */
  get statements(): { cached: number; prepared: number } {
    return { cached: this.#conn?.cached ?? 0, prepared: this.#conn?.prepared ?? 0 };
  }

  async execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    const stmt = statementOf(stmtOrSql, args);
    return this.#use((conn) => conn.execute(stmt, this.#intMode));
  }

  async batch(stmts: BatchStatement[], mode: TransactionMode = "deferred"): Promise<ResultSet[]> {
    return this.#use((conn) => {
      conn.execute(transactionModeToBegin(mode), this.#intMode);
      const results = runAll(stmts, this.#intMode, inTransaction(conn));
      conn.execute("COMMIT", this.#intMode);
      return results;
    });
  }

  async migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    return this.#use((conn) => {
      try {
        conn.execute("PRAGMA foreign_keys=off", this.#intMode);
        conn.execute(transactionModeToBegin("deferred"), this.#intMode);
        const results = runAll(stmts, this.#intMode, inTransaction(conn));
        conn.execute("COMMIT", this.#intMode);
        return results;
      } finally {
        if (conn.inTransaction) conn.execute("ROLLBACK", this.#intMode);
        conn.execute("PRAGMA foreign_keys=on", this.#intMode);
      }
    });
  }

  async transaction(mode: TransactionMode = "write"): Promise<Transaction> {
    this.#checkNotClosed();
    const conn = this.#acquire();
    try {
      conn.execute(transactionModeToBegin(mode), this.#intMode);
    } catch (e) {
      this.#release(conn);
      throw e;
    }
    // The transaction holds the connection until it settles; until then every other operation is refused.
    const tx = new FileTransaction(conn, this.#intMode, (used) => {
      if (this.#tx === tx) this.#tx = undefined;
      this.#release(used);
    });
    this.#tx = tx;
    return tx;
  }

  async executeMultiple(sql: string): Promise<void> {
    return this.#use((conn) => conn.exec(sql));
  }

  async sync(): Promise<Replicated> {
    return this.#use((conn) => {
      const rep = conn.sync();
      return { frames_synced: rep.frames_synced, frame_no: rep.frame_no };
    });
  }

  /** Drops the connection (and its statements, and any open transaction's hold); the next operation opens one. */
  reconnect(): void {
    this.#closeConnection();
    this.closed = false;
  }

  close(): void {
    this.closed = true;
    this.#closeConnection();
  }

  #closeConnection() {
    this.#conn?.close();
    this.#conn = undefined;
    this.#tx = undefined;
  }

  #open(): StatementConnection {
    const conn = new StatementConnection(this.#path, this.#cacheSize);
    try {
      conn.execute("SELECT 1 AS checkThatTheDatabaseCanBeOpened", this.#intMode);
      for (const sql of this.#setup) conn.execute(sql, this.#intMode);
    } catch (e) {
      conn.close();
      throw e;
    }
    return conn;
  }

  // Every operation but a transaction runs synchronously on the one connection, so none can interleave.
  #use<T>(operation: (conn: StatementConnection) => T): T {
    this.#checkNotClosed();
    const conn = this.#acquire();
    try {
      return operation(conn);
    } finally {
      this.#release(conn);
    }
  }

  #acquire(): StatementConnection {
    if (this.#tx) throw new LibsqlError(HELD, "TRANSACTION_ACTIVE");
    this.#conn ??= this.#open();
    return this.#conn;
  }

  // A connection never stays mid-transaction between operations; one that cannot even roll back is dropped.
  #release(conn: StatementConnection) {
    if (conn.open && conn.inTransaction) {
      try {
        conn.execute("ROLLBACK", this.#intMode);
      } catch {
        this.#drop(conn);
        return;
      }
    }
    if (this.closed || !conn.open) this.#drop(conn);
  }

  #drop(conn: StatementConnection) {
    conn.close();
    if (this.#conn === conn) this.#conn = undefined;
  }

  #checkNotClosed() {
    if (this.closed) throw new LibsqlError("The client is closed", "CLIENT_CLOSED");
  }
}
